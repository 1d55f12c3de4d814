"""Reads on accounts."""
from accounts.models import Profile, User
from accounts.services import profile_ensure


def profile_get(*, user: User) -> Profile:
    return profile_ensure(user=user)
