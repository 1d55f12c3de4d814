"""accounts.services: creating people and their profile, API tokens, preferences and deleting an account."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import timezone

from accounts import services
from accounts.models import ApiToken, Profile, User

pytestmark = pytest.mark.django_db


def test_a_new_account_is_known_by_its_lowercased_email_and_keeps_no_recordings(db):
    person = services.user_create(email="Ada.Lovelace@EXAMPLE.com", password="a-long-unusual-passphrase")
    assert person.email == person.username == "ada.lovelace@example.com"
    assert person.check_password("a-long-unusual-passphrase")
    assert Profile.objects.get(user=person).recording_retention == Profile.Retention.NONE


def test_profile_ensure_creates_a_missing_profile_once(user):
    Profile.objects.filter(user=user).delete()
    created = services.profile_ensure(user=user)
    assert services.profile_ensure(user=user) == created
    assert Profile.objects.filter(user=user).count() == 1


def test_a_bad_preference_is_refused_and_nothing_changes(user):
    services.profile_update(user=user, market="de", strategy="lift")
    with pytest.raises(ValidationError) as refused:
        services.profile_update(user=user, market="Germany", strategy="calm")
    assert "market" in refused.value.message_dict
    profile = Profile.objects.get(user=user)
    assert (profile.market, profile.strategy) == ("DE", "lift")


def test_an_issued_token_signs_in_until_it_expires_and_only_its_digest_is_kept(user, settings):
    issued = services.api_token_issue(user=user, name="my script")
    assert services.api_token_authenticate(key=issued.key).user == user
    assert issued.key not in ApiToken.objects.values_list("digest", flat=True)
    lifetime = issued.token.expires_at - timezone.now()
    assert timedelta(days=settings.API_TOKEN_TTL_DAYS) - lifetime < timedelta(seconds=5)
    ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(services.TokenExpiredError, match="Get a new one"):
        services.api_token_authenticate(key=issued.key)
    services.api_token_issue(user=user)  # a new sign-in drops the expired token
    assert not ApiToken.objects.filter(pk=issued.token.pk).exists()


def test_a_deactivated_persons_token_no_longer_works(user):
    issued = services.api_token_issue(user=user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    with pytest.raises(services.TokenInvalidError, match="not valid"):
        services.api_token_authenticate(key=issued.key)


def test_revoking_someone_elses_token_is_refused_and_it_keeps_working(user, other_user):
    theirs = services.api_token_issue(user=other_user)
    with pytest.raises(services.TokenNotFoundError, match="could not find that token"):
        services.api_token_revoke(user=user, token_id=theirs.token.pk)
    assert services.api_token_authenticate(key=theirs.key).user == other_user
    services.api_token_revoke(user=other_user, token_id=theirs.token.pk)
    with pytest.raises(services.TokenInvalidError):
        services.api_token_authenticate(key=theirs.key)


def test_revoking_all_tokens_after_a_password_change_leaves_other_peoples(user, other_user):
    mine = [services.api_token_issue(user=user) for _ in range(2)]
    theirs = services.api_token_issue(user=other_user)
    assert services.api_tokens_revoke_all(user=user) == 2
    for issued in mine:
        with pytest.raises(services.TokenInvalidError):
            services.api_token_authenticate(key=issued.key)
    assert services.api_token_authenticate(key=theirs.key).user == other_user


def test_deleting_an_account_takes_its_password_and_a_wrong_one_deletes_nothing(user):
    request = RequestFactory().post("/api/v1/me/", REMOTE_ADDR="203.0.113.7")
    with pytest.raises(services.WrongPasswordError, match="nothing was deleted"):
        services.user_delete(request=request, user=user, password="guess")
    assert User.objects.filter(pk=user.pk).exists()
    services.user_delete(request=request, user=user, password="correct horse battery")
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Profile.objects.filter(user_id=user.pk).exists()
