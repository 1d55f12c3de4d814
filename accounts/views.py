"""The settings page: preferences, API tokens, data export and account deletion (all through the API)."""
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import Profile
from accounts.selectors import api_token_list, profile_get
from catalog.models import Genre, Strategy


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    profile = profile_get(user=request.user)
    favourite = set(profile.favourite_genres.values_list("slug", flat=True))
    excluded = set(profile.excluded_genres.values_list("slug", flat=True))
    return render(
        request,
        "accounts/settings.html",
        {
            "profile": profile,
            "strategies": Strategy.choices,
            "retentions": Profile.Retention.choices,
            "genres": list(Genre.objects.order_by("name")),
            "favourite": favourite,
            "excluded": excluded,
            "api_tokens": api_token_list(user=request.user),
        },
    )
