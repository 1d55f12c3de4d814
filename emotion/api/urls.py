from django.urls import path

from emotion.api import views

urlpatterns = [
    path("submissions/", views.SubmissionListCreateView.as_view(), name="api-submission-list"),
    path("submissions/picked/", views.SubmissionPickView.as_view(), name="api-submission-picked"),
    path("submissions/<uuid:pk>/", views.SubmissionDetailView.as_view(), name="api-submission-detail"),
    path("submissions/<uuid:pk>/audio/", views.SubmissionAudioView.as_view(), name="api-submission-audio"),
    path("submissions/<uuid:pk>/confirm/", views.SubmissionConfirmView.as_view(), name="api-submission-confirm"),
    path("me/voice/", views.VoiceExamplesView.as_view(), name="api-me-voice"),
    path("me/stats/", views.StatsView.as_view(), name="api-me-stats"),
]
