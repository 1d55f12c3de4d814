from django.contrib import admin

from emotion.models import EmotionResult, VoiceSubmission


class EmotionResultInline(admin.StackedInline):
    model = EmotionResult
    can_delete = False
    readonly_fields = ("label", "confidence", "probabilities", "model_version", "speech_duration_s", "timings_ms")


@admin.register(VoiceSubmission)
class VoiceSubmissionAdmin(admin.ModelAdmin):
    # Read-only: staff can inspect the pipeline, but recordings are only ever served to their owner.
    list_display = ("id", "user", "status", "source", "created_at", "duration_s", "failure_code", "attempts")
    list_filter = ("status", "source", "failure_code")
    search_fields = ("id", "user__email")
    # No `audio` field: a file widget would link to a URL recordings deliberately do not have.
    exclude = ("audio",)
    readonly_fields = [f.name for f in VoiceSubmission._meta.fields if f.name != "audio"]
    inlines = [EmotionResultInline]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False
