"""HTML pages for recording, results, history and the mood picker.

The pages are thin shells: their scripts talk to the REST API and the submission WebSocket
(docs/api.md), so the browser and API clients go through exactly the same code paths.
"""
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from catalog.models import Emotion
from emotion.models import VoiceSubmission

# Limits shown to people and enforced by the recorder; the API enforces its own caps too.
MIN_RECORDING_S = 3
MAX_RECORDING_S = 30

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


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "landing.html", {"max_seconds": MAX_RECORDING_S})


@login_required
def record(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "emotion/record.html",
        {
            "limits": {
                "min_seconds": MIN_RECORDING_S,
                "max_seconds": MAX_RECORDING_S,
                "max_upload_bytes": settings.EMOTION_MAX_UPLOAD_BYTES,
            },
            "prompts": SPEAKING_PROMPTS,
        },
    )


@login_required
def submission_detail(request: HttpRequest, submission_id) -> HttpResponse:
    # Someone else's submission answers 404, exactly like one that does not exist.
    submission = get_object_or_404(VoiceSubmission, id=submission_id, user=request.user)
    return render(
        request,
        "emotion/result.html",
        {
            "submission": submission,
            "emotions": emotion_choices(),
            "page_config": {
                "submission_id": str(submission.id),
                "submission_url": f"/api/v1/submissions/{submission.id}/",
                "websocket_path": f"/ws/submissions/{submission.id}/",
                "recommendations_url": f"/api/v1/submissions/{submission.id}/recommendations/",
                "correction_url": f"/api/v1/submissions/{submission.id}/correction/",
                "feedback_url_template": "/api/v1/recommendations/{id}/feedback/",
            },
        },
    )


@login_required
def history(request: HttpRequest) -> HttpResponse:
    return render(request, "emotion/history.html", {"emotions": emotion_choices()})


@login_required
def mood_picker(request: HttpRequest) -> HttpResponse:
    return render(request, "emotion/picker.html", {"emotions": emotion_choices()})
