from django.contrib import admin, messages

from emotion import services
from emotion.errors import AnalysisUnavailableError
from emotion.models import EmotionResult, FusionSettings, VoiceSubmission


class EmotionResultInline(admin.StackedInline):
    model = EmotionResult
    can_delete = False
    readonly_fields = ("label", "confidence", "probabilities", "model_version", "speech_duration_s", "timings_ms",
                       "voice", "face", "fusion")  # fmt: skip


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
    actions = ["rerun_analysis"]

    @admin.action(description="Re-run analysis with the current model")
    def rerun_analysis(self, request, queryset) -> None:
        outcomes = []
        for pk in queryset.values_list("id", flat=True):
            try:
                outcomes.append(services.submission_reanalyze(submission_id=pk))
            except AnalysisUnavailableError as exc:
                self.message_user(request, exc.user_message, messages.ERROR)
                break
        queued = outcomes.count("queued")
        if queued:
            self.message_user(request, f"{queued} submission(s) queued for analysis again.", messages.SUCCESS)
        if outcomes.count("no_recording"):
            self.message_user(
                request,
                f"{outcomes.count('no_recording')} skipped: their recording is no longer kept "
                "(the owner's retention choice) or they were a picked mood.",
                messages.WARNING,
            )
        if outcomes.count("busy"):
            self.message_user(request, f"{outcomes.count('busy')} skipped: already being analysed.", messages.WARNING)

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


@admin.register(FusionSettings)
class FusionSettingsAdmin(admin.ModelAdmin):
    """One row: how the voice and the face are weighed (emotion.fusion). Changes apply to the
    submissions analysed after them."""

    list_display = ("__str__", "face_weight", "voice_weight", "min_confidence", "updated_at")
    fields = ("face_weight", "voice_weight", "min_confidence")

    def has_add_permission(self, request) -> bool:
        return not FusionSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
