"""The data export holds everything stored about a person, and no secret."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.services import api_token_issue

pytestmark = pytest.mark.django_db


def test_export_has_the_recordings_details_linked_accounts_addresses_and_token_metadata_but_no_secret(
    api_client, user, other_user, speech_clip
):
    api_client.patch("/api/v1/me/profile/", {"recording_retention": "30d"}, format="json")
    upload = api_client.post(
        "/api/v1/submissions/", {"audio": SimpleUploadedFile("monday morning.wav", speech_clip, "audio/x-wav")},
        format="multipart",
    ).json()  # fmt: skip
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    EmailAddress.objects.create(user=user, email="ada@work.example", verified=False, primary=False)
    spotify = SocialAccount.objects.create(
        user=user, provider="spotify", uid="ada-spotify", extra_data={"display_name": "Ada L.", "country": "GB"}
    )
    app = SocialApp.objects.create(provider="spotify", name="Moodify on Spotify", client_id="cid", secret="app-secret")
    expires = timezone.now() + timedelta(hours=1)
    SocialToken.objects.create(app=app, account=spotify, token="spotify-access-secret", token_secret="refresh-secret", expires_at=expires)
    issued = api_token_issue(user=user, name="my phone")
    api_token_issue(user=other_user, name="someone-else")
    SocialAccount.objects.create(user=other_user, provider="spotify", uid="someone-else")

    response = api_client.get("/api/v1/me/export/")
    assert response.status_code == 200
    text = response.content.decode()
    data = json.loads(text)

    [submission] = data["submissions"]
    assert submission["id"] == upload["id"]
    assert submission["original_filename"] == "monday morning.wav"
    assert submission["content_type"] == "audio/wav"  # what it is, detected from its content
    assert submission["size_bytes"] == len(speech_clip)
    assert submission["delete_audio_after"].startswith(str((timezone.now() + timedelta(days=30)).date()))
    assert submission["audio_deleted_at"] is None
    assert sorted((a["email"], a["verified"], a["primary"]) for a in data["email_addresses"]) == [
        ("ada@work.example", False, False), (user.email, True, True)
    ]  # fmt: skip
    [account] = data["social_accounts"]
    assert account["provider"] == "spotify" and account["uid"] == "ada-spotify"
    assert account["profile"] == {"display_name": "Ada L.", "country": "GB"}
    assert account["tokens"] == [{"app": "Moodify on Spotify", "expires_at": expires.isoformat()}]
    token = issued.token
    assert data["api_tokens"] == [{"name": "my phone", "prefix": issued.key[:8],
                                   "created": token.created_at.isoformat(),
                                   "expires": token.expires_at.isoformat(), "last_used": None}]
    for secret in ("spotify-access-secret", "refresh-secret", "app-secret", issued.key, token.digest,
                   "someone-else"):
        assert secret not in text
