"""Top-level URL routing: pages, allauth, admin and the versioned REST API."""
from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

# Staff sign in on allauth's page, whose per-account and per-address limits stop a password
# guesser; the admin's own form has no limits, so it only ever redirects there (or refuses
# signed-in people who are not staff).
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("accounts.api.urls")),
    path("api/v1/", include("emotion.api.urls")),
    path("api/v1/", include("catalog.api.urls")),
    path("api/v1/", include("recommendations.api.urls")),
    path("", include("emotion.urls")),
    path("", include("accounts.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up code as a script file, not inline (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

handler404 = "moodify_site.error_views.not_found"
handler500 = "moodify_site.error_views.server_error"
