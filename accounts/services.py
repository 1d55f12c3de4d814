"""Writes on accounts: creating users with their profile, preferences, export and deletion."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import Profile, User

logger = logging.getLogger(__name__)


class AccountError(Exception):
    code = "invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.user_message = message


class WrongPasswordError(AccountError):
    code = "wrong_password"


def profile_ensure(*, user: User) -> Profile:
    """The user's profile, created with defaults on first use (idempotent)."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


@transaction.atomic
def user_create(*, email: str, password: str | None, **extra: Any) -> User:
    """Create a user (email is the identity; the username mirrors it) and their profile."""
    email = get_user_model().objects.normalize_email(email).lower()
    user = get_user_model().objects.create_user(username=email, email=email, password=password, **extra)
    profile_ensure(user=user)
    return user


def auth_token_get_or_create(*, user: User) -> str:
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


@transaction.atomic
def profile_update(
    *,
    user: User,
    strategy: str | None = None,
    favourite_genres: Iterable[Any] | None = None,
    excluded_genres: Iterable[Any] | None = None,
    market: str | None = None,
    allow_explicit: bool | None = None,
    recording_retention: str | None = None,
) -> Profile:
    profile = profile_ensure(user=user)
    for name, value in {
        "strategy": strategy,
        "market": market.upper() if market else market,
        "allow_explicit": allow_explicit,
        "recording_retention": recording_retention,
    }.items():
        if value is not None:
            setattr(profile, name, value)
    profile.full_clean(exclude=["user"])
    profile.save()
    if favourite_genres is not None:
        profile.favourite_genres.set(list(favourite_genres))
    if excluded_genres is not None:
        profile.excluded_genres.set(list(excluded_genres))
    if recording_retention is not None:
        # Imported here: emotion depends on accounts, not the other way round at import time.
        from emotion.services import retention_apply_to_existing

        retention_apply_to_existing(user=user)
    return profile


def user_export(*, user: User) -> dict[str, Any]:
    """Everything stored about the user, as JSON-ready data (GDPR-style export)."""
    from accounts.export import account_links_export

    profile = profile_ensure(user=user)
    data: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "profile": {
            "strategy": profile.strategy,
            "favourite_genres": list(profile.favourite_genres.values_list("slug", flat=True)),
            "excluded_genres": list(profile.excluded_genres.values_list("slug", flat=True)),
            "market": profile.market,
            "allow_explicit": profile.allow_explicit,
            "recording_retention": profile.recording_retention,
        },
        **account_links_export(user=user),
    }
    # Other apps (submissions, recommendations, feedback) add their own sections through this hook.
    from accounts.signals import collect_user_export

    for _receiver, section in collect_user_export.send(sender=User, user=user):
        if section:
            data.update(section)
    return data


def user_delete(*, user: User, password: str) -> None:
    """Delete the account, every submission and every recording file."""
    if not user.check_password(password or ""):
        raise WrongPasswordError("That password is not correct, so nothing was deleted.")
    from emotion.services import submission_delete_all_for_user

    submission_delete_all_for_user(user=user)
    with transaction.atomic():
        user.delete()
    logger.info("account deleted")
