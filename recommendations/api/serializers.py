from rest_framework import serializers

from catalog.api.serializers import TrackSerializer, track_payload
from catalog.models import Strategy, Track

from ..engine import Candidate
from ..models import Feedback, Recommendation, RecommendationSet
from ..selectors import feedback_summary


def _set_object(rec_set: RecommendationSet, items: list[tuple[Recommendation, dict, dict]]) -> dict:
    return {
        "id": rec_set.pk, "submission_id": str(rec_set.submission_id), "emotion": rec_set.emotion,
        "strategy": rec_set.strategy, "created_at": rec_set.created_at.isoformat(),
        "notice": rec_set.notice or None, "summary": rec_set.summary, "journey": rec_set.journey,
        "items": [{"id": item.pk, "rank": item.rank, "score": item.score, "source": item.source,
                   "why": item.why, "reasons": item.reasons, "explored": item.explored,
                   "track": track, "feedback": feedback}
                  for item, track, feedback in items],
    }


def set_payload(rec_set: RecommendationSet) -> dict:
    """The recommendation set object of docs/api.md (expects set_with_items prefetching)."""
    items = list(rec_set.items.all())
    feedback = feedback_summary(user=rec_set.user_id, recommendation_ids=[i.pk for i in items])
    return _set_object(rec_set, [(item, track_payload(item.track), feedback[item.pk]) for item in items])


def new_set_payload(rec_set: RecommendationSet, items: list[Recommendation], candidates: list[Candidate]) -> dict:
    """The same object for a set just stored, from what the engine already holds.

    One query (the tracks' details) instead of five: genres and moods come with the candidates, and
    nobody can have rated a set that nobody has seen. A test holds it equal to `set_payload`.
    """
    tracks = Track.objects.in_bulk([item.track_id for item in items])
    by_id = {c.track_id: c for c in candidates}
    return _set_object(rec_set, [
        (item, track_payload(tracks[item.track_id], genres=by_id[item.track_id].genres,
                             moods=by_id[item.track_id].moods), {"liked": None, "rating": None})
        for item in items])


class ItemFeedbackSerializer(serializers.Serializer):
    liked = serializers.BooleanField(allow_null=True, help_text="The latest like (true) or dislike (false).")
    rating = serializers.IntegerField(allow_null=True, min_value=1, max_value=5)


class ReasonSerializer(serializers.Serializer):
    """One reason: a code and the values its sentence is made from (docs/api.md lists them)."""

    code = serializers.ChoiceField(choices=[
        "rated", "liked_track", "liked_artist", "favourite_genre", "liked_genre", "learned_taste", "new_to_you",
        "journey", "sound", "mood_tag", "genre_fit", "explore"])


class JourneyPlaceSerializer(serializers.Serializer):
    valence = serializers.FloatField(help_text="0..1, Spotify's scale.")
    energy = serializers.FloatField(help_text="0..1, Spotify's scale.")


class JourneyEndSerializer(JourneyPlaceSerializer):
    emotion = serializers.CharField()


class JourneyStepSerializer(serializers.Serializer):
    rank = serializers.IntegerField(min_value=1)
    progress = serializers.FloatField(help_text="0 = where the listener is, 1 = the target.")
    aim = JourneyPlaceSerializer(help_text="The waypoint this rank aimed at.")
    track = JourneyPlaceSerializer(help_text="Where the chosen track sits.")


class JourneySerializer(serializers.Serializer):
    from_ = JourneyEndSerializer(help_text="The listener's mood (smoothed with their last minutes' results).")
    to = JourneyEndSerializer()
    readings = serializers.IntegerField(help_text="How many recent results were smoothed into `from`.")
    steps = JourneyStepSerializer(many=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class RecommendationItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Send feedback to /api/v1/recommendations/{id}/feedback/.")
    rank = serializers.IntegerField(min_value=1)
    score = serializers.FloatField()
    source = serializers.ChoiceField(choices=Recommendation.Source.choices)
    why = serializers.CharField(help_text="The reasons, in a sentence people read.")
    reasons = ReasonSerializer(many=True, help_text="What put the track here, strongest first.")
    explored = serializers.BooleanField(help_text="Chosen to learn the listener's taste, not from it.")
    track = TrackSerializer()
    feedback = ItemFeedbackSerializer()


class RecommendationSetSerializer(serializers.Serializer):
    """Read-only; the declared fields describe the set object (`set_payload`) for the OpenAPI schema."""

    id = serializers.IntegerField()
    submission_id = serializers.UUIDField()
    emotion = serializers.CharField(help_text="The emotion the set answers: detected, or the user's correction.")
    strategy = serializers.ChoiceField(choices=Strategy.choices)
    created_at = serializers.DateTimeField()
    notice = serializers.CharField(allow_null=True, help_text="Set when Spotify could not be asked (local results only).")
    summary = serializers.CharField(help_text='What the set answers: "Feeling sad, to lift your mood: upbeat pop."')
    journey = JourneySerializer(allow_null=True, help_text="For lift and calm: the path from the listener's mood.")
    items = RecommendationItemSerializer(many=True)


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
