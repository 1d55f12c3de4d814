from django.urls import path

from accounts.api import views

urlpatterns = [
    path("auth/token/", views.AuthTokenView.as_view(), name="api-auth-token"),
    path("me/", views.AccountView.as_view(), name="api-me"),
    path("me/tokens/", views.ApiTokenListView.as_view(), name="api-me-tokens"),
    path("me/tokens/<int:token_id>/", views.ApiTokenDetailView.as_view(), name="api-me-token"),
    path("me/profile/", views.ProfileView.as_view(), name="api-me-profile"),
    path("me/export/", views.ExportView.as_view(), name="api-me-export"),
]
