"""Input forms of the submissions API, and the submission object described for the OpenAPI schema."""
from __future__ import annotations

from typing import Any

from rest_framework import serializers

from emotion.models import EmotionResult, VoiceSubmission
from emotion.payloads import submission_payload


class TimelineSegmentSerializer(serializers.Serializer):
    """One analysed window of the recording (a short recording has one)."""

    start_s = serializers.FloatField(help_text="Seconds into the recording where the window starts.")
    end_s = serializers.FloatField(help_text="Seconds into the recording where the window ends.")
    label = serializers.CharField(help_text="The window's most likely emotion code.")
    probabilities = serializers.DictField(child=serializers.FloatField())


class SignalSerializer(serializers.Serializer):
    """One signal's own result, or why it is missing."""

    available = serializers.BooleanField()
    label = serializers.CharField(required=False)
    label_name = serializers.CharField(required=False)
    confidence = serializers.FloatField(required=False)
    probabilities = serializers.DictField(child=serializers.FloatField(), required=False)
    model_version = serializers.CharField(required=False)
    reason = serializers.CharField(required=False, help_text="Why it is missing: no_face, no_speech, ...")
    reason_text = serializers.CharField(required=False)


class SignalsSerializer(serializers.Serializer):
    """With the camera on: the voice's and the face's own results and the weights that fused them
    into the submission's result (``label``, ``probabilities``, ``confidence``)."""

    voice = SignalSerializer()
    face = SignalSerializer()
    weights = serializers.DictField(child=serializers.FloatField(), help_text="The weights used: face, voice.")
    rule = serializers.CharField(help_text="both | both_unclear | voice_only | face_only | voice_clear | face_clear")
    rule_text = serializers.CharField()
    default_weights = serializers.DictField(child=serializers.FloatField())


class EmotionResultSerializer(serializers.ModelSerializer):
    """Describes ``emotion.payloads.result_payload`` for the schema."""

    label_name = serializers.CharField()
    low_confidence = serializers.BooleanField()
    timeline = TimelineSegmentSerializer(many=True, read_only=True)
    signals = SignalsSerializer(allow_null=True, help_text="Null when the camera was off.")

    class Meta:
        model = EmotionResult
        fields = [
            "label", "label_name", "confidence", "probabilities", "low_confidence",
            "model_version", "adapter_version", "speech_duration_s", "timings_ms", "timeline", "signals",
        ]  # fmt: skip


class SubmissionErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()


class SubmissionSerializer(serializers.ModelSerializer):
    """Read-only; the declared fields describe ``emotion.payloads.submission_payload`` for the
    schema, and that function writes the object."""

    has_audio = serializers.BooleanField()
    audio_url = serializers.CharField(allow_null=True)
    error = SubmissionErrorSerializer(allow_null=True)
    result = EmotionResultSerializer(allow_null=True)
    url = serializers.CharField()
    page_url = serializers.CharField()
    websocket_url = serializers.CharField()
    recommendations_url = serializers.CharField()

    class Meta:
        model = VoiceSubmission
        fields = [
            "id", "status", "source", "created_at", "started_at", "finished_at", "duration_s",
            "has_audio", "audio_url", "error", "result", "url", "page_url", "websocket_url",
            "recommendations_url",
        ]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, instance: VoiceSubmission) -> dict[str, Any]:
        return submission_payload(instance, names=self.context.get("emotion_names"))


class SubmissionCreateSerializer(serializers.Serializer):
    audio = serializers.FileField(required=False, allow_empty_file=True)
    frames = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), required=False,
        help_text="Camera pictures (JPEG or PNG) of the speaker, analysed for the face signal and deleted "
                  "right after. Without `audio`, a face-only submission.",
    )  # fmt: skip
    source = serializers.ChoiceField(
        choices=[VoiceSubmission.Source.RECORDING, VoiceSubmission.Source.UPLOAD], required=False
    )


class SubmissionPickSerializer(serializers.Serializer):
    emotion = serializers.SlugField()


class SubmissionFilterSerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)


class StatsPointSerializer(serializers.Serializer):
    submission_id = serializers.UUIDField()
    created_at = serializers.DateTimeField()
    label = serializers.CharField(help_text="What the user said they felt if they corrected it, else what was detected.")
    detected = serializers.CharField(help_text="The emotion the model detected.")
    corrected = serializers.BooleanField()
    confidence = serializers.FloatField(help_text="The model's confidence in `detected`.")
    valence = serializers.FloatField(allow_null=True)
    arousal = serializers.FloatField(allow_null=True)


class StatsSerializer(serializers.Serializer):
    timeline = StatsPointSerializer(many=True)
    distribution = serializers.DictField(child=serializers.IntegerField())
