from django.urls import path

from . import views

urlpatterns = [
    path("submissions/<uuid:submission_id>/recommendations/", views.SubmissionRecommendationsView.as_view(),
         name="submission-recommendations"),
    path("submissions/<uuid:submission_id>/correction/", views.CorrectionView.as_view(),
         name="submission-correction"),
    path("recommendations/<int:item_id>/feedback/", views.FeedbackView.as_view(), name="recommendation-feedback"),
]
