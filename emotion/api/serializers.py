"""The submission object of docs/api.md; REST, WebSocket and the data export all use it."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from emotion.models import EmotionResult, VoiceSubmission


def _emotion_names() -> dict[str, str]:
    from catalog.models import Emotion

    return dict(Emotion.objects.values_list("code", "name"))


class TimelineSegmentSerializer(serializers.Serializer):
    """One analysed window of the recording (a short recording has one)."""

    start_s = serializers.FloatField(help_text="Seconds into the recording where the window starts.")
    end_s = serializers.FloatField(help_text="Seconds into the recording where the window ends.")
    label = serializers.CharField(help_text="The window's most likely emotion code.")
    probabilities = serializers.DictField(child=serializers.FloatField())


class EmotionResultSerializer(serializers.ModelSerializer):
    label_name = serializers.SerializerMethodField()
    low_confidence = serializers.SerializerMethodField()
    timeline = TimelineSegmentSerializer(many=True, read_only=True)

    class Meta:
        model = EmotionResult
        fields = [
            "label", "label_name", "confidence", "probabilities", "low_confidence",
            "model_version", "speech_duration_s", "timings_ms", "timeline",
        ]  # fmt: skip

    def get_label_name(self, obj: EmotionResult) -> str:
        names = self.context.get("emotion_names")
        if names is None:
            names = _emotion_names()
        return names.get(obj.label, obj.label.replace("_", " ").title())

    def get_low_confidence(self, obj: EmotionResult) -> bool:
        return obj.confidence < settings.EMOTION_LOW_CONFIDENCE


class SubmissionErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()


class SubmissionSerializer(serializers.ModelSerializer):
    has_audio = serializers.SerializerMethodField()
    audio_url = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    result = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()
    websocket_url = serializers.SerializerMethodField()
    recommendations_url = serializers.SerializerMethodField()

    class Meta:
        model = VoiceSubmission
        fields = [
            "id", "status", "source", "created_at", "started_at", "finished_at", "duration_s",
            "has_audio", "audio_url", "error", "result", "url", "page_url", "websocket_url",
            "recommendations_url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_has_audio(self, obj: VoiceSubmission) -> bool:
        return bool(obj.audio)

    def get_audio_url(self, obj: VoiceSubmission) -> str | None:
        return reverse("api-submission-audio", kwargs={"pk": obj.pk}) if obj.audio else None

    @extend_schema_field(SubmissionErrorSerializer(allow_null=True))
    def get_error(self, obj: VoiceSubmission) -> dict[str, str] | None:
        if obj.status != VoiceSubmission.Status.FAILED:
            return None
        return {"code": obj.failure_code, "detail": obj.failure_detail}

    @extend_schema_field(EmotionResultSerializer(allow_null=True))
    def get_result(self, obj: VoiceSubmission) -> dict[str, Any] | None:
        try:
            result = obj.result
        except EmotionResult.DoesNotExist:
            return None
        return EmotionResultSerializer(result, context=self.context).data

    def get_url(self, obj: VoiceSubmission) -> str:
        return reverse("api-submission-detail", kwargs={"pk": obj.pk})

    def get_page_url(self, obj: VoiceSubmission) -> str:
        return f"/submissions/{obj.pk}/"

    def get_websocket_url(self, obj: VoiceSubmission) -> str:
        return f"/ws/submissions/{obj.pk}/"

    def get_recommendations_url(self, obj: VoiceSubmission) -> str:
        return f"/api/v1/submissions/{obj.pk}/recommendations/"


class SubmissionCreateSerializer(serializers.Serializer):
    audio = serializers.FileField(required=False, allow_empty_file=True)
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
