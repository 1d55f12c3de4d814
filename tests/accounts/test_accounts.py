"""Accounts as people use them: sign up, preferences, export, deleting everything."""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Profile, User
from emotion.models import VoiceSubmission

pytestmark = pytest.mark.django_db


def test_signing_up_with_email_creates_a_profile_with_private_defaults(client, mailoutbox):
    response = client.post(
        "/accounts/signup/",
        {"email": "Ada@Example.com", "password1": "a-long-unusual-passphrase", "password2": "a-long-unusual-passphrase"},
    )
    assert response.status_code == 302, response.content[:500]
    user = User.objects.get(email__iexact="ada@example.com")
    profile = Profile.objects.get(user=user)
    assert profile.recording_retention == "none"  # recordings are not kept unless asked
    assert profile.strategy == "match"
    assert any("ada@example.com" in m.to[0].lower() for m in mailoutbox)  # verification email sent
    assert client.get("/api/v1/me/profile/").json()["email"].lower() == "ada@example.com"


def test_profile_can_be_read_and_patched(api_client, user):
    from catalog.models import Genre

    Genre.objects.create(name="Jazz", slug="jazz")
    Genre.objects.create(name="Metal", slug="metal")
    assert api_client.get("/api/v1/me/profile/").json() == {
        "email": user.email, "strategy": "match", "favourite_genres": [], "excluded_genres": [],
        "market": "US", "allow_explicit": True, "recording_retention": "none",
    }  # fmt: skip
    response = api_client.patch(
        "/api/v1/me/profile/",
        {"strategy": "lift", "favourite_genres": ["jazz"], "excluded_genres": ["metal"], "market": "de",
         "allow_explicit": False, "recording_retention": "30d"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["strategy"] == "lift" and body["market"] == "DE" and body["favourite_genres"] == ["jazz"]
    assert body["excluded_genres"] == ["metal"] and body["allow_explicit"] is False
    assert body["recording_retention"] == "30d"


@pytest.mark.parametrize(
    "payload, field",
    [({"strategy": "chaos"}, "strategy"), ({"market": "Germany"}, "market"), ({"market": "XX"}, "market"),
     ({"market": "UK"}, "market"), ({"favourite_genres": ["nope"]}, "favourite_genres")],
)
def test_bad_profile_values_answer_400_with_field_messages(api_client, payload, field):
    response = api_client.patch("/api/v1/me/profile/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid" and field in body["fields"] and body["detail"]


def test_export_contains_everything_about_the_user_and_nothing_of_others(api_client, user, other_user, emotions):
    api_client.post("/api/v1/submissions/picked/", {"emotion": "happy"}, format="json")
    api_client.force_authenticate(other_user)
    api_client.post("/api/v1/submissions/picked/", {"emotion": "sad"}, format="json")
    api_client.force_authenticate(user)
    response = api_client.get("/api/v1/me/export/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == user.email
    assert data["profile"]["recording_retention"] == "none"
    assert [s["result"]["label"] for s in data["submissions"]] == ["happy"]


def test_deleting_the_account_needs_the_password_and_removes_every_recording(
    api_client, user, speech_clip, django_capture_on_commit_callbacks
):
    body = api_client.post(
        "/api/v1/submissions/", {"audio": SimpleUploadedFile("a.wav", speech_clip)}, format="multipart"
    ).json()
    path = VoiceSubmission.objects.get(id=body["id"]).audio.path
    assert os.path.exists(path)

    wrong = api_client.delete("/api/v1/me/", {"password": "guess"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["error"] == "wrong_password"
    assert User.objects.filter(id=user.id).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.delete("/api/v1/me/", {"password": "correct horse battery"}, format="json")
    assert response.status_code == 204
    assert not User.objects.filter(id=user.id).exists()
    assert not VoiceSubmission.objects.filter(id=body["id"]).exists()
    assert not os.path.exists(path)


def test_stats_give_a_timeline_with_circumplex_positions_and_a_distribution(api_client, emotions):
    for mood in ("sad", "sad", "happy"):
        api_client.post("/api/v1/submissions/picked/", {"emotion": mood}, format="json")
    stats = api_client.get("/api/v1/me/stats/").json()
    assert stats["distribution"] == {"sad": 2, "happy": 1}
    assert [p["label"] for p in stats["timeline"]] == ["sad", "sad", "happy"]
    sad = stats["timeline"][0]
    assert sad["valence"] < 0 and sad["arousal"] < 0 and sad["confidence"] == 1.0


def _settings_in_subprocess(module: str, env: dict[str, str], expr: str) -> str:
    code = f"import importlib; m = importlib.import_module({module!r}); print({expr})"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SPOTIFY")}
    out = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_production_requires_email_verification_and_spotify_login_follows_the_environment():
    prod = "moodify_site.settings.production"
    key = {"SECRET_KEY": secrets.token_urlsafe(50)}  # production refuses to start without a strong one
    assert _settings_in_subprocess(prod, key, "m.ACCOUNT_EMAIL_VERIFICATION") == "mandatory"
    assert _settings_in_subprocess(prod, key, "sorted(m.SOCIALACCOUNT_PROVIDERS)") == "[]"
    with_spotify = {**key, "SPOTIFY_CLIENT_ID": "id", "SPOTIFY_CLIENT_SECRET": "s"}
    assert _settings_in_subprocess(prod, with_spotify, "sorted(m.SOCIALACCOUNT_PROVIDERS)") == "['spotify']"
