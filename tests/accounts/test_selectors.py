"""accounts.selectors: reads that never create anything."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import selectors
from accounts.models import ApiToken, Profile
from accounts.services import api_token_issue, profile_ensure

pytestmark = pytest.mark.django_db


def test_reading_a_profile_creates_none_where_ensuring_one_does(user):
    assert selectors.profile_get(user=user) == Profile.objects.get(user=user)
    Profile.objects.filter(user=user).delete()
    with pytest.raises(Profile.DoesNotExist):
        selectors.profile_get(user=user)
    assert not Profile.objects.filter(user=user).exists()
    ensured = profile_ensure(user=user)
    assert selectors.profile_get(user=user) == ensured


def test_the_token_list_holds_ones_own_working_tokens_newest_first(user, other_user):
    api_token_issue(user=user, name="phone")
    laptop = api_token_issue(user=user, name="laptop").token  # issued later, but dated two days back
    expired = api_token_issue(user=user, name="old").token
    ApiToken.objects.filter(pk=laptop.pk).update(created_at=timezone.now() - timedelta(days=2))
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    api_token_issue(user=other_user, name="theirs")
    assert [t.name for t in selectors.api_token_list(user=user)] == ["phone", "laptop"]
