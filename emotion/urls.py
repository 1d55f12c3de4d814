"""Page URLs of the emotion app (the REST API has its own URL module)."""
from django.urls import path

from emotion import views

app_name = "emotion"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("record/", views.record, name="record"),
    path("submissions/<uuid:submission_id>/", views.submission_detail, name="submission-detail"),
    path("history/", views.history, name="history"),
    path("mood/", views.mood_picker, name="mood-picker"),
    path("voice/reset/", views.voice_reset, name="voice-reset"),
]
