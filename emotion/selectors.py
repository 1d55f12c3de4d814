"""Reads on voice submissions: always scoped to their owner."""
from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.apps import apps
from django.conf import settings
from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from emotion.models import VoiceExample, VoiceSubmission

if TYPE_CHECKING:
    from ml import EmotionPredictor
    from ml.personal import Adapter


def is_low_confidence(confidence: float) -> bool:
    """The one rule for "we're not sure": the page says so, and recommendations blend the likely
    emotions (EMOTION_LOW_CONFIDENCE; at the threshold counts as unsure)."""
    return confidence <= settings.EMOTION_LOW_CONFIDENCE


def submission_list(
    *, user: User, date_from: date | None = None, date_to: date | None = None
) -> QuerySet[VoiceSubmission]:
    qs = VoiceSubmission.objects.filter(user=user).select_related("result").order_by("-created_at")
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    return qs


def submission_get(*, user: User, submission_id: UUID | str) -> VoiceSubmission | None:
    """The user's submission, or None for a missing id, a malformed id or someone else's."""
    try:
        submission_id = UUID(str(submission_id))
    except ValueError:
        return None
    return VoiceSubmission.objects.select_related("result").filter(id=submission_id, user=user).first()


def emotion_stats(*, user: User, date_from: date | None = None, date_to: date | None = None) -> dict[str, Any]:
    """The user's mood timeline (oldest first) and how often each emotion came up.

    Where the user said "that's not how I feel", their word counts: `label` is the latest
    correction and `detected` what the model heard.
    """
    from catalog.models import Emotion

    circumplex = {e.code: (e.valence, e.arousal) for e in Emotion.objects.all()}
    corrections = apps.get_model("recommendations", "EmotionCorrection").objects.filter(
        submission=OuterRef("pk")).order_by("-created_at", "-id").values("corrected")[:1]
    done = submission_list(user=user, date_from=date_from, date_to=date_to).filter(
        status=VoiceSubmission.Status.DONE, result__isnull=False
    ).annotate(corrected=Subquery(corrections))
    timeline = []
    for submission in done.order_by("created_at"):
        label = submission.corrected or submission.result.label
        valence, arousal = circumplex.get(label, (None, None))
        timeline.append(
            {
                "submission_id": str(submission.id),
                "created_at": submission.created_at.isoformat(),
                "label": label,
                "detected": submission.result.label,
                "corrected": submission.corrected is not None,
                "confidence": submission.result.confidence,
                "valence": valence,
                "arousal": arousal,
            }
        )
    return {"timeline": timeline, "distribution": dict(Counter(item["label"] for item in timeline))}


UNFINISHED = (VoiceSubmission.Status.QUEUED, VoiceSubmission.Status.PROCESSING)


def _by_last_move() -> QuerySet[VoiceSubmission]:
    # A submission queued again by staff has started_at set to when that happened.
    return VoiceSubmission.objects.annotate(moved_at=Coalesce("started_at", "created_at"))


def submissions_stuck(*, now: datetime | None = None) -> QuerySet[VoiceSubmission]:
    """Everyone's submissions left `queued` or `processing` for longer than EMOTION_STUCK_AFTER_S."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.EMOTION_STUCK_AFTER_S)
    return _by_last_move().filter(status__in=UNFINISHED, moved_at__lt=cutoff)


def submissions_lost(*, now: datetime | None = None) -> QuerySet[VoiceSubmission]:
    """Everyone's submissions still `queued` after EMOTION_REQUEUE_AFTER_S, but not yet stuck
    (EMOTION_STUCK_AFTER_S): their task may be lost."""
    now = now or timezone.now()
    return _by_last_move().filter(
        status=VoiceSubmission.Status.QUEUED,
        moved_at__lt=now - timedelta(seconds=settings.EMOTION_REQUEUE_AFTER_S),
        moved_at__gte=now - timedelta(seconds=settings.EMOTION_STUCK_AFTER_S),
    )


@dataclass(frozen=True)
class PipelineBacklog:
    """Everyone's unfinished submissions, as an operator watches them."""

    queued: int
    processing: int
    oldest_queued_age_s: float  # 0 when nothing waits
    stuck: int


def pipeline_backlog(*, now: datetime | None = None) -> PipelineBacklog:
    now = now or timezone.now()
    Status = VoiceSubmission.Status
    row = VoiceSubmission.objects.filter(status__in=UNFINISHED).aggregate(
        queued=Count("id", filter=Q(status=Status.QUEUED)),
        processing=Count("id", filter=Q(status=Status.PROCESSING)),
        oldest_queued=Min("created_at", filter=Q(status=Status.QUEUED)),
    )
    oldest = row["oldest_queued"]
    return PipelineBacklog(
        queued=row["queued"],
        processing=row["processing"],
        oldest_queued_age_s=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
        stuck=submissions_stuck(now=now).count(),
    )


def voice_example_count(*, user: User) -> int:
    """How many of the user's recordings their personal adapter learns from."""
    return VoiceExample.objects.filter(user=user).count()


# Built adapters by (user, what their examples are now, model): a worker analysing someone's
# recordings again does not re-read up to 200 embeddings and rebuild (~30 ms at 200). Any new,
# changed or removed example changes the key.
_ADAPTERS: OrderedDict[tuple, Adapter | None] = OrderedDict()
_ADAPTERS_LOCK = threading.Lock()
ADAPTER_CACHE_SIZE = 256


def voice_adapter_for(*, user: User, predictor: EmotionPredictor) -> Adapter | None:
    """The user's personal adapter for ``predictor``, from their most recent labelled examples
    (PERSONAL_VOICE_MAX_EXAMPLES), or None without any. One user's examples only; kept per process
    while their examples stay as they are."""
    state = VoiceExample.objects.filter(user=user).aggregate(n=Count("id"), top=Max("id"), last=Max("updated_at"))
    if not state["n"]:
        return None
    key = (user.pk, state["n"], state["top"], state["last"], predictor.version)
    with _ADAPTERS_LOCK:
        if key in _ADAPTERS:
            _ADAPTERS.move_to_end(key)
            return _ADAPTERS[key]
    adapter = _build_voice_adapter(user=user, predictor=predictor)
    with _ADAPTERS_LOCK:
        _ADAPTERS[key] = adapter
        while len(_ADAPTERS) > ADAPTER_CACHE_SIZE:
            _ADAPTERS.popitem(last=False)
    return adapter


def _build_voice_adapter(*, user: User, predictor: EmotionPredictor) -> Adapter | None:
    import numpy as np

    rows = list(VoiceExample.objects.filter(user=user).order_by("-updated_at", "-id")
                .values_list("embedding", "label")[: settings.PERSONAL_VOICE_MAX_EXAMPLES])  # fmt: skip
    if not rows:
        return None
    dim = predictor.head_arrays().dim
    # An example of a model with another encoder or classes would mislead this one: left out.
    usable = [(np.frombuffer(bytes(e), "<f4"), label) for e, label in rows if label in predictor.labels]
    usable = [(e, label) for e, label in usable if e.shape == (dim,)]
    if not usable:
        return None
    return predictor.build_adapter(np.stack([e for e, _ in usable]), [label for _, label in usable])


def fusion_rules():  # noqa: ANN201 - emotion.fusion.FusionRules
    """The voice/face fusion rules staff set in the admin (the defaults until they save some)."""
    from emotion.fusion import FusionRules
    from emotion.models import FusionSettings

    row = FusionSettings.objects.order_by("pk").first()
    if row is None:
        return FusionRules()
    return FusionRules(face_weight=row.face_weight, voice_weight=row.voice_weight,
                       min_confidence=row.min_confidence)  # fmt: skip
