"""The submission object of docs/api.md as plain data: REST, the live push and the data export all
answer with it (the API serializers only describe it for the OpenAPI schema)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone

from emotion.models import EmotionResult, VoiceSubmission
from emotion.selectors import is_low_confidence


def emotion_names() -> dict[str, str]:
    from catalog.models import Emotion

    return dict(Emotion.objects.values_list("code", "name"))


def _iso(value: datetime | None) -> str | None:
    # As DRF writes datetimes: ISO 8601 in the site's time zone, UTC as "Z".
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def websocket_path(submission_id) -> str:
    """Where a submission's live updates are served (emotion.routing)."""
    return f"/ws/submissions/{submission_id}/"


def result_payload(result: EmotionResult, *, names: dict[str, str] | None = None) -> dict[str, Any]:
    names = emotion_names() if names is None else names
    return {
        "label": result.label,
        "label_name": names.get(result.label, result.label.replace("_", " ").title()),
        "confidence": result.confidence,
        "probabilities": result.probabilities,
        "low_confidence": is_low_confidence(result.confidence),
        "model_version": result.model_version,
        # Which of the user's personal adapters answered ("" for the shared model alone).
        "adapter_version": result.adapter_version,
        "speech_duration_s": result.speech_duration_s,
        "timings_ms": result.timings_ms,
        "timeline": [
            {"start_s": seg["start_s"], "end_s": seg["end_s"], "label": seg["label"],
             "probabilities": seg["probabilities"]}
            for seg in result.timeline or []
        ],  # fmt: skip
        "signals": signals_payload(result, names=names),
    }


# Why a signal is missing, or why it did not count, in words for the result page and the API.
MISSING_SIGNAL = {
    "no_face": "No face was found in the camera pictures.",
    "undecodable_image": "The camera pictures could not be read.",
    "frames_gone": "The camera pictures were gone before they could be analysed.",
    "no_speech": "We could not hear speech in the recording.",
    "too_short": "The recording had too little speech.",
    "no_recording": "You chose your face instead of speaking.",
}
FUSION_RULE = {
    "both": "Voice and face were both clear, so they were combined with the default weights.",
    "both_unclear": "Neither signal was clear, so they were combined with the default weights.",
    "voice_only": "Only your voice could be used, so it gave the result.",
    "face_only": "Only your face could be used, so it gave the result.",
    "voice_clear": "Your face was unclear, so your voice gave the result.",
    "face_clear": "Your voice was unclear, so your face gave the result.",
}


def _signal(data: dict, names: dict[str, str]) -> dict[str, Any]:
    if "missing" in data:
        return {"available": False, "reason": data["missing"],
                "reason_text": MISSING_SIGNAL.get(data["missing"], "This signal could not be used.")}  # fmt: skip
    return {"available": True, "label": data["label"],
            "label_name": names.get(data["label"], data["label"].title()), "confidence": data["confidence"],
            "probabilities": data["probabilities"], "model_version": data.get("model_version", "")}  # fmt: skip


def signals_payload(result: EmotionResult, *, names: dict[str, str]) -> dict[str, Any] | None:
    """Voice, face and how they were fused; None when the camera was off (the voice alone)."""
    if result.fusion is None:
        return None
    return {
        "voice": _signal(result.voice or {"missing": "no_speech"}, names),
        "face": _signal(result.face or {"missing": "no_face"}, names),
        "weights": result.fusion["weights"],
        "rule": result.fusion["rule"],
        "rule_text": FUSION_RULE.get(result.fusion["rule"], ""),
        "default_weights": {"face": result.fusion["settings"]["face_weight"],
                            "voice": result.fusion["settings"]["voice_weight"]},
    }  # fmt: skip


def submission_payload(submission: VoiceSubmission, *, names: dict[str, str] | None = None) -> dict[str, Any]:
    """``submission.result`` is read if it is there (select it with the submission)."""
    try:
        result = submission.result
    except EmotionResult.DoesNotExist:
        result = None
    failed = submission.status == VoiceSubmission.Status.FAILED
    return {
        "id": str(submission.pk),
        "status": submission.status,
        "source": submission.source,
        "created_at": _iso(submission.created_at),
        "started_at": _iso(submission.started_at),
        "finished_at": _iso(submission.finished_at),
        "duration_s": submission.duration_s,
        "has_audio": bool(submission.audio),
        "audio_url": reverse("api-submission-audio", kwargs={"pk": submission.pk}) if submission.audio else None,
        "error": {"code": submission.failure_code, "detail": submission.failure_detail} if failed else None,
        "result": None if result is None else result_payload(result, names=names),
        "url": reverse("api-submission-detail", kwargs={"pk": submission.pk}),
        "page_url": reverse("emotion:submission-detail", kwargs={"submission_id": submission.pk}),
        "websocket_url": websocket_path(submission.pk),
        "recommendations_url": reverse("submission-recommendations", kwargs={"submission_id": submission.pk}),
    }
