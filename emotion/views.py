"""HTML pages for recording, results, history and the mood picker.

The pages are thin shells: their scripts talk to the REST API and the submission WebSocket
(docs/api.md), so the browser and API clients go through exactly the same code paths.
"""
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.urls import reverse

from catalog.models import Emotion
from emotion import selectors, services
from emotion.payloads import websocket_path

SPEAKING_PROMPTS = [
    "Tell us how your day has been so far.",
    "Describe the last thing that made you smile, or annoyed you.",
    "What are you looking forward to this week?",
    "Talk about what is on your mind right now.",
    "Describe where you are and how it feels to be there.",
    "Read this aloud: \"The weather today reminds me of how I feel.\"",
]


def emotion_choices() -> list[dict]:
    """The emotions people can see and pick, with their chart colours, for page scripts."""
    return [
        {"code": e.code, "name": e.name, "color": e.color, "valence": e.valence, "arousal": e.arousal}
        for e in Emotion.objects.order_by("order", "code")
    ]


def recording_limits() -> dict[str, Any]:
    """The upload limits from settings, as pages show them and the recorder enforces them (the API
    enforces the same settings)."""
    max_seconds = int(settings.EMOTION_MAX_DURATION_S)
    return {
        "min_seconds": settings.EMOTION_MIN_RECORDING_S,
        "max_seconds": max_seconds,
        "max_clock": f"{max_seconds // 60}:{max_seconds % 60:02d}",
        "max_upload_bytes": settings.EMOTION_MAX_UPLOAD_BYTES,
        "max_upload_mb": round(settings.EMOTION_MAX_UPLOAD_BYTES / 2**20, 1),
        "face_frames": settings.FACE_FRAMES_PER_RECORDING,
    }


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "landing.html", {"limits": recording_limits()})


@login_required
def record(request: HttpRequest) -> HttpResponse:
    return render(request, "emotion/record.html", {"limits": recording_limits(), "prompts": SPEAKING_PROMPTS})


@login_required
def submission_detail(request: HttpRequest, submission_id) -> HttpResponse:
    submission = selectors.submission_get(user=request.user, submission_id=submission_id)
    if submission is None:  # someone else's answers 404, exactly like one that does not exist
        raise Http404
    by_id = {"submission_id": submission.pk}
    return render(
        request,
        "emotion/result.html",
        {
            "submission": submission,
            "emotions": emotion_choices(),
            "page_config": {
                "submission_id": str(submission.id),
                "submission_url": reverse("api-submission-detail", kwargs={"pk": submission.pk}),
                "websocket_path": websocket_path(submission.pk),
                "recommendations_url": reverse("submission-recommendations", kwargs=by_id),
                "recommendations_retry_ms": settings.RECOMMENDATION_RETRY_AFTER_S * 1000,
                "correction_url": reverse("submission-correction", kwargs=by_id),
                "confirm_url": reverse("api-submission-confirm", kwargs={"pk": submission.pk}),
            },
        },
    )


@login_required
def history(request: HttpRequest) -> HttpResponse:
    return render(request, "emotion/history.html", {"emotions": emotion_choices()})


@login_required
def mood_picker(request: HttpRequest) -> HttpResponse:
    return render(request, "emotion/picker.html", {"emotions": emotion_choices(), "limits": recording_limits()})


@login_required
@require_POST
def voice_reset(request: HttpRequest) -> HttpResponse:
    """Settings: forget what Moodify learned about the user's voice (a form with a confirmation)."""
    if request.POST.get("confirm") != "yes":
        return HttpResponseBadRequest(
            "Nothing was deleted: tick “Yes, forget my voice” on the settings page to confirm.",
            content_type="text/plain; charset=utf-8")
    deleted = services.voice_examples_reset(user=request.user)
    messages.success(request, f"Moodify forgot your voice ({deleted} recording{'s' if deleted != 1 else ''}). "
                              "Results from now on come from the shared model until you teach it again.")
    return redirect("accounts:settings")
