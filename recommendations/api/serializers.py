from rest_framework import serializers

from catalog.api.serializers import TrackSerializer
from catalog.models import Strategy

from ..models import Feedback, Recommendation


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


class SetPendingSerializer(serializers.Serializer):
    """202: the set is not there yet (the emotion is still being detected, or the set is being built);
    it arrives on the submission's WebSocket, or ask again after ``Retry-After`` seconds."""

    status = serializers.ChoiceField(choices=["analysing", "building"])
    detail = serializers.CharField(help_text="A sentence for people.")


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
