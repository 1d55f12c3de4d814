"""Reads on accounts."""
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import ApiToken, Profile, User


def profile_get(*, user: User) -> Profile:
    """The user's profile (every account has one from its creation: ``accounts.receivers``)."""
    return Profile.objects.get(user=user)


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's API tokens that still work, newest first."""
    return ApiToken.objects.filter(user=user, expires_at__gt=timezone.now()).order_by("-created_at")
