from django.apps import AppConfig


class EmotionConfig(AppConfig):
    name = "emotion"
    verbose_name = "Voice & emotion"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from accounts.signals import collect_user_export, recording_retention_changed, user_deleting
        from emotion import receivers, tasks  # noqa: F401 -- tasks: registers those services queue by name
        from emotion.export import user_export_section
        from emotion.models import VoiceSubmission
        from emotion.services import recording_delete_with_submission

        post_delete.connect(recording_delete_with_submission, sender=VoiceSubmission, dispatch_uid="emotion.recording")
        collect_user_export.connect(user_export_section, dispatch_uid="emotion.export")
        recording_retention_changed.connect(receivers.apply_retention, dispatch_uid="emotion.retention")
        user_deleting.connect(receivers.delete_submissions, dispatch_uid="emotion.user_deleting")

        from emotion.monitoring import backlog_gauges
        from operations import scrape

        scrape.register("submissions", backlog_gauges)
