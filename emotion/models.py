"""A voice submission moves queued -> processing -> done | failed; `done` has an EmotionResult."""
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.core.files.storage import storages
from django.db import models


def recordings_storage():
    """The private storage recordings live in (never served under MEDIA_URL)."""
    return storages["recordings"]


def recording_path(instance: "VoiceSubmission", filename: str) -> str:
    # The original name is kept in a field, never in the path: it may hold personal details.
    return f"recordings/{instance.user_id}/{instance.id}"


class VoiceSubmission(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Source(models.TextChoices):
        RECORDING = "recording", "Recorded in the browser"
        UPLOAD = "upload", "Uploaded file"
        API = "api", "REST API"
        PICKER = "picker", "Picked without recording"
        FACE = "face", "Face only (camera, no speaking)"

    # UUIDs so that ids in URLs reveal nothing about other people's activity.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions")
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.UPLOAD)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True)
    audio = models.FileField(upload_to=recording_path, storage=recordings_storage, blank=True, max_length=255)
    original_filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size_bytes = models.PositiveIntegerField(default=0)
    duration_s = models.FloatField(null=True, blank=True)
    failure_code = models.CharField(max_length=40, blank=True)
    failure_detail = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # How many camera frames came with it. The frames themselves are deleted as soon as they are
    # analysed (emotion.frames), whatever the retention choice; only this count stays.
    face_frames = models.PositiveSmallIntegerField(default=0)
    # Retention: when the recording must be gone, and when it actually was removed.
    delete_audio_after = models.DateTimeField(null=True, blank=True)
    audio_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class EmotionResult(models.Model):
    submission = models.OneToOneField(VoiceSubmission, on_delete=models.CASCADE, related_name="result")
    label = models.CharField(max_length=32, help_text="Emotion code, e.g. 'happy'.")
    probabilities = models.JSONField(help_text="Calibrated probability for every class.")
    confidence = models.FloatField()
    model_version = models.CharField(max_length=64)
    speech_duration_s = models.FloatField(null=True, blank=True)
    timings_ms = models.JSONField(default=dict, blank=True)
    timeline = models.JSONField(
        default=list, blank=True,
        help_text="One entry per analysed window of the recording: start_s, end_s (seconds into "
                  "the recording), label and probabilities.",
    )  # fmt: skip
    # Personal voice: the recording's pooled encoder output (float32 little-endian), kept with the
    # result so that a later "yes, that's right" or correction can become a labelled example
    # without the audio; and which personal adapter, if any, shaped this answer.
    embedding = models.BinaryField(null=True, blank=True, editable=False)
    adapter_version = models.CharField(max_length=40, blank=True, default="",
                                       help_text="The personal adapter applied; empty: the shared model alone.")
    # With the camera on, the fields above hold the fused result and these say how it was made:
    # each signal's own result (or why it is missing) and the weights used (emotion.fusion).
    voice = models.JSONField(null=True, blank=True, help_text="The voice's own result, when the face was analysed too.")
    face = models.JSONField(null=True, blank=True, help_text="The face's own result, or why there is none.")
    fusion = models.JSONField(null=True, blank=True, help_text="The weights used and the rule that chose them.")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.label} ({self.confidence:.0%})"


class VoiceExample(models.Model):
    """One of the user's recordings with the emotion they said it was: what their personal
    adapter (ml.personal) learns from. Only the pooled encoder output is kept, never the audio;
    it is this user's alone and is never used to train the shared model."""

    class Source(models.TextChoices):
        CORRECTION = "correction", "“That’s not how I feel”"
        CONFIRMATION = "confirmation", "“Yes, that’s right”"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="voice_examples")
    # The example outlives its submission: deleting a result from the history keeps what Moodify
    # learned from it (settings: reset forgets everything).
    submission = models.ForeignKey(VoiceSubmission, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="voice_examples")
    label = models.CharField(max_length=32, help_text="The emotion as the model names it, e.g. 'neutral' for calm.")
    source = models.CharField(max_length=12, choices=Source.choices)
    embedding = models.BinaryField(help_text="The recording's pooled encoder output, float32 little-endian.")
    model_version = models.CharField(max_length=64, help_text="The model whose encoder produced the embedding.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["user", "-updated_at"])]
        constraints = [
            # A later correction of the same recording replaces the earlier answer.
            models.UniqueConstraint(fields=["submission"], condition=models.Q(submission__isnull=False),
                                    name="one_voice_example_per_submission"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.label} ({self.source})"


class FusionSettings(models.Model):
    """How the voice and the face are combined (one row, edited by staff in the admin)."""

    face_weight = models.FloatField(
        default=0.6, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)], help_text="Share of the face in the combined result when both signals are clear (0 to 1).")
    voice_weight = models.FloatField(
        default=0.4, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)], help_text="Share of the voice when both signals are clear (0 to 1).")
    min_confidence = models.FloatField(
        default=0.35, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="A signal whose own confidence is below this is 'unclear': the other, clear one then "
                  "carries the whole result.",
    )  # fmt: skip
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "voice and face fusion settings"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.face_weight + self.voice_weight <= 0:
            raise ValidationError("At least one of the two weights must be above 0.")

    def __str__(self) -> str:
        return f"face {self.face_weight:g} / voice {self.voice_weight:g}, unclear below {self.min_confidence:g}"
