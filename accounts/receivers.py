"""What accounts does when allauth reports a password change: old API tokens stop working."""
from __future__ import annotations

from typing import Any

from allauth.account.signals import password_changed, password_reset, password_set
from django.dispatch import receiver

from accounts.services import api_tokens_revoke_all


@receiver(password_changed, dispatch_uid="accounts.revoke_tokens_on_password_changed")
@receiver(password_set, dispatch_uid="accounts.revoke_tokens_on_password_set")
@receiver(password_reset, dispatch_uid="accounts.revoke_tokens_on_password_reset")
def revoke_api_tokens(sender: Any, *, user: Any, **kwargs: Any) -> None:
    # Whoever knew the old password may hold a token made with it; the new password makes new ones.
    api_tokens_revoke_all(user=user)
