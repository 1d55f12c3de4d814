from django.contrib import admin

from emotion.models import EmotionResult, VoiceSubmission


class EmotionResultInline(admin.StackedInline):
    model = EmotionResult
    can_delete = False
    readonly_fields = ("label", "confidence", "probabilities", "model_version", "speech_duration_s", "timings_ms")


@admin.register(VoiceSubmission)
class VoiceSubmissionAdmin(admin.ModelAdmin):
    # Read-only: staff can inspect the pipeline, but recordings are only ever served to their owner.
    list_display = ("id", "user", "status", "emotion", "confidence", "source", "created_at", "duration_s",
                    "has_recording", "failure_code", "attempts")  # fmt: skip
    list_filter = ("status", "source", "result__label", "failure_code")
    list_select_related = ("user", "result")
    search_fields = ("id", "user__email", "result__label")
    # No `audio` field: a file widget would link to a URL recordings deliberately do not have.
    exclude = ("audio",)
    readonly_fields = [f.name for f in VoiceSubmission._meta.fields if f.name != "audio"]
    inlines = [EmotionResultInline]
    date_hierarchy = "created_at"

    @admin.display(description="Emotion", ordering="result__label")
    def emotion(self, submission: VoiceSubmission) -> str:
        result = getattr(submission, "result", None)
        return result.label if result else "—"

    @admin.display(description="Confidence", ordering="result__confidence")
    def confidence(self, submission: VoiceSubmission) -> str:
        result = getattr(submission, "result", None)
        return f"{result.confidence:.0%}" if result else "—"

    @admin.display(description="Recording kept", boolean=True)
    def has_recording(self, submission: VoiceSubmission) -> bool:
        return bool(submission.audio)

    def has_add_permission(self, request) -> bool:
        return False
