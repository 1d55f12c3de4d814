"""How the emotion app takes part in account changes it hears about through accounts.signals."""
from __future__ import annotations

from typing import Any

from accounts.models import User
from emotion import services


def apply_retention(sender: Any, user: User, **kwargs: Any) -> None:
    """A changed retention choice applies to the recordings already stored too."""
    services.retention_apply_to_existing(user=user)


def delete_submissions(sender: Any, user: User, **kwargs: Any) -> None:
    """An account is being deleted: every submission goes, and its recording once that commits."""
    services.submission_delete_all_for_user(user=user)
