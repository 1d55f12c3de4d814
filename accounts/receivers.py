"""What accounts does when a user is saved, by any route: a new account gets its profile (so reads
find one), and a new password makes old API tokens stop working."""
from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import User
from accounts.services import api_tokens_revoke_all, profile_ensure


@receiver(post_save, sender=User, dispatch_uid="accounts.revoke_tokens_on_new_password")
def revoke_api_tokens_on_new_password(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    # `_password` is set by set_password() until the save after it: a new password from allauth's
    # change and reset pages, the admin or `manage.py changepassword` -- but not Django upgrading
    # the hash of the same password at sign-in. Whoever knew the old password may hold a token.
    if not created and getattr(instance, "_password", None) is not None:
        api_tokens_revoke_all(user=instance)


@receiver(post_save, sender=User, dispatch_uid="accounts.profile_for_new_user")
def create_profile_for_new_user(sender: Any, instance: User, created: bool, raw: bool = False, **kwargs: Any) -> None:
    # Every route that makes an account (sign-up, the admin, `createsuperuser`, the API) gets one.
    if created and not raw:
        profile_ensure(user=instance)
