"""Upgrading a database whose clients hold tokens from before tokens expired."""
from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient


@pytest.mark.django_db(transaction=True)
def test_tokens_issued_before_the_upgrade_keep_working_then_expire():
    before = [("accounts", "0001_initial"), ("authtoken", "0004_alter_tokenproxy_options")]
    after = [("accounts", "0002_api_tokens")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    user = old_apps.get_model("accounts", "User").objects.create(username="old@example.com", email="old@example.com")
    old_apps.get_model("authtoken", "Token").objects.create(key="a" * 40, user_id=user.pk)
    try:
        MigrationExecutor(connection).migrate(after)
    finally:  # every migration back on, as the rest of the suite expects
        call_command("migrate", verbosity=0)

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {'a' * 40}")
    assert client.get("/api/v1/me/profile/").status_code == 200
    listed = client.get("/api/v1/me/tokens/").json()
    assert [t["prefix"] for t in listed] == ["aaaaaaaa"] and listed[0]["expires_at"]
    from rest_framework.authtoken.models import Token

    assert not Token.objects.exists()  # the keys in clear are gone
