"""The account part of a person's data export beyond the profile: e-mail addresses, linked social
accounts (Spotify) and API tokens. Token metadata only: a secret in a download is a leaked secret."""
from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialToken
from accounts.models import ApiToken, User


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def account_links_export(*, user: User) -> dict[str, Any]:
    return {
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user).order_by("id")
        ],
        "social_accounts": [
            {
                "provider": account.provider,
                "uid": account.uid,
                "date_joined": _iso(account.date_joined),
                "last_login": _iso(account.last_login),
                "profile": account.extra_data,
                "tokens": [
                    {"app": token.app.name if token.app else None, "expires_at": _iso(token.expires_at)}
                    for token in SocialToken.objects.filter(account=account).select_related("app")
                ],
            }
            for account in SocialAccount.objects.filter(user=user).order_by("id")
        ],
        "api_tokens": [
            {"name": t.name, "prefix": t.prefix, "created": _iso(t.created_at),
             "expires": _iso(t.expires_at), "last_used": _iso(t.last_used_at)}
            for t in ApiToken.objects.filter(user=user)
        ],  # fmt: skip
    }
