"""Reads on accounts."""
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import ApiToken, Profile, User
from accounts.services import profile_ensure


def profile_get(*, user: User) -> Profile:
    return profile_ensure(user=user)


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's API tokens that still work, newest first."""
    return ApiToken.objects.filter(user=user, expires_at__gt=timezone.now()).order_by("-created_at")
