"""Writes on accounts: users and their profile, signing in for API tokens, export and deletion."""
from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import ApiToken, Profile, User
from accounts.signals import collect_user_export, recording_retention_changed, user_deleting
from moodify_site.errors import DomainError

logger = logging.getLogger(__name__)


class AccountError(DomainError):
    pass


class WrongPasswordError(AccountError):
    code = "wrong_password"


class DeletionNotConfirmedError(AccountError):
    code = "confirmation_mismatch"


class InvalidCredentialsError(AccountError):
    code = "invalid_credentials"


class TooManyAttemptsError(AccountError):
    code = "too_many_attempts"
    http_status = 429


class EmailNotVerifiedError(AccountError):
    code = "email_unverified"
    http_status = 403


class OtpRequiredError(AccountError):
    code = "otp_required"


class InvalidOtpError(AccountError):
    code = "invalid_otp"


class TokenInvalidError(AccountError):
    code = "invalid_token"
    http_status = 401


class TokenExpiredError(TokenInvalidError):
    code = "token_expired"


class TokenNotFoundError(AccountError):
    code = "not_found"
    http_status = 404


@dataclass(frozen=True)
class IssuedToken:
    """A new API token: `key` is the secret the client sends; it is not stored anywhere."""

    key: str
    token: ApiToken


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


def _password_check(*, request: HttpRequest, email: str, password: str) -> User | None:
    """The active account with this email and password, or None.

    Goes through allauth, like the HTML login form, so every password check shares its
    `login_failed` limits: per address and per account, wherever the guesses come from.
    """
    from allauth.account.adapter import get_adapter

    try:
        user = get_adapter(request).authenticate(request, email=email, password=password)
    except ValidationError as exc:  # allauth's "too_many_login_attempts"
        raise TooManyAttemptsError(
            "Too many wrong passwords for this account. Please wait a few minutes and try "
            "again, or reset your password from the sign-in page."
        ) from exc
    return user if user is not None and user.is_active else None


def user_authenticate(*, request: HttpRequest, email: str, password: str, otp: str = "") -> User:
    """The account behind an email, password and (where the user turned it on) a second factor."""
    from allauth.account import app_settings as allauth_settings
    from allauth.account.models import EmailAddress

    user = _password_check(request=request, email=email, password=password)
    if user is None:
        raise InvalidCredentialsError("That email and password do not match an account.")
    mandatory = allauth_settings.EmailVerificationMethod.MANDATORY
    if allauth_settings.EMAIL_VERIFICATION == mandatory and not EmailAddress.objects.filter(
        user=user, verified=True
    ).exists():
        raise EmailNotVerifiedError(
            f"Please verify your email address first: open the link we sent to {user.email}. "
            "Signing in on the website sends a new link if you cannot find it."
        )
    _second_factor_check(user=user, otp=otp)
    return user


def _second_factor_check(*, user: User, otp: str) -> None:
    from allauth.mfa.adapter import get_adapter
    from allauth.mfa.base.forms import AuthenticateForm

    if not get_adapter().is_mfa_enabled(user):
        return
    if not otp:
        raise OtpRequiredError(
            "This account has two-factor authentication turned on: send the 6-digit code from "
            'your authenticator app (or one of your recovery codes) as "otp" with your email and password.'
        )
    # allauth's own form: TOTP and recovery codes, a code used once only, and its rate limit.
    form = AuthenticateForm(data={"code": otp}, user=user)
    if not form.is_valid():
        codes = {error.code for error in form.errors.as_data().get("code", [])}
        if "too_many_login_attempts" in codes:
            raise TooManyAttemptsError("Too many wrong codes for this account. Please wait a few minutes and try again.")
        raise InvalidOtpError(
            "That code is not right (or was used already). Check the code in your authenticator app and try again."
        )
    form.authenticator.record_usage()


def _token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_issue(*, user: User, name: str = "") -> IssuedToken:
    """A new API token for `user`, valid for API_TOKEN_TTL_DAYS (their expired ones are dropped)."""
    ApiToken.objects.filter(user=user, expires_at__lte=timezone.now()).delete()
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(
        user=user,
        digest=_token_digest(key),
        prefix=key[:8],
        name=name[: ApiToken._meta.get_field("name").max_length],
        expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    return IssuedToken(key=key, token=token)


# Remembering when a token was last used costs a write; once a minute is precise enough for people.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_token_authenticate(*, key: str) -> ApiToken:
    """The live token with this key (its `user` loaded), or a TokenInvalidError saying why not."""
    token = ApiToken.objects.select_related("user").filter(digest=_token_digest(key)).first()
    if token is None or not token.user.is_active:
        raise TokenInvalidError(
            "This API token is not valid: it was revoked, or the password was changed. "
            "Get a new one with POST /api/v1/auth/token/."
        )
    now = timezone.now()
    if token.expires_at <= now:
        raise TokenExpiredError(
            f"This API token expired on {token.expires_at:%Y-%m-%d %H:%M} UTC. "
            "Get a new one with POST /api/v1/auth/token/."
        )
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def api_token_revoke(*, user: User, token_id: int) -> None:
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    if not deleted:
        raise TokenNotFoundError("We could not find that token. It may have been revoked already.")


def api_tokens_revoke_all(*, user: User) -> int:
    """Revoke every API token of `user` (password changed or reset); returns how many."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    if deleted:
        logger.info("revoked %d API tokens after a password change", deleted)
    return deleted


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
        recording_retention_changed.send(sender=Profile, user=user)
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
    for _receiver, section in collect_user_export.send(sender=User, user=user):
        if section:
            data.update(section)
    return data


def user_delete(*, request: HttpRequest, user: User, password: str = "", confirm_email: str = "") -> None:
    """Delete the account, every submission, every recording file, and sign out all its sessions.

    People confirm with their password (under the sign-in limits, so a borrowed session cannot
    guess it here either); those who never had one (signed up through Spotify) type their email.
    """
    if user.has_usable_password():
        if _password_check(request=request, email=user.email, password=password) != user:
            raise WrongPasswordError("That password is not correct, so nothing was deleted.")
    elif confirm_email.strip().lower() != user.email.lower():
        raise DeletionNotConfirmedError(
            f"To confirm, type your email address, {user.email}, in the box. Nothing was deleted."
        )
    user_deleting.send(sender=User, user=user)
    _sessions_end(user=user)
    with transaction.atomic():
        user.delete()
    logger.info("account deleted")


def _sessions_end(*, user: User) -> None:
    # allauth.usersessions recorded every session the user signed in with; ending one deletes it
    # from the session store, so no browser stays signed in to (or holds data of) a deleted account.
    from allauth.usersessions.models import UserSession

    for session in UserSession.objects.filter(user=user):
        session.end()
