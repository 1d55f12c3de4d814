from rest_framework import serializers

from catalog.api.serializers import track_payload
from catalog.models import Strategy

from ..models import Feedback, RecommendationSet
from ..selectors import feedback_summary


def set_payload(rec_set: RecommendationSet) -> dict:
    """The recommendation set object of docs/api.md (expects set_with_items prefetching)."""
    items = list(rec_set.items.all())
    feedback = feedback_summary(user=rec_set.user_id, recommendation_ids=[i.pk for i in items])
    return {
        "id": rec_set.pk, "submission_id": str(rec_set.submission_id), "emotion": rec_set.emotion,
        "strategy": rec_set.strategy, "created_at": rec_set.created_at.isoformat(),
        "notice": rec_set.notice or None,
        "items": [{"id": item.pk, "rank": item.rank, "score": item.score, "source": item.source,
                   "why": item.why, "track": track_payload(item.track), "feedback": feedback[item.pk]}
                  for item in items],
    }


class StrategyQuerySerializer(serializers.Serializer):
    strategy = serializers.ChoiceField(choices=Strategy.choices, required=False)


class FeedbackInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=Feedback.Action.choices)
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)

    def validate(self, attrs):
        if attrs["action"] == Feedback.Action.RATE and attrs.get("rating") is None:
            raise serializers.ValidationError({"rating": ["A rating from 1 to 5 is required for action 'rate'."]})
        return attrs


class FeedbackSerializer(serializers.ModelSerializer):
    recommendation_id = serializers.IntegerField(source="recommendation.pk")

    class Meta:
        model = Feedback
        fields = ["id", "recommendation_id", "action", "rating", "created_at"]


class CorrectionInputSerializer(serializers.Serializer):
    emotion = serializers.SlugField(max_length=32)
    strategy = serializers.ChoiceField(choices=Strategy.choices, required=False)
