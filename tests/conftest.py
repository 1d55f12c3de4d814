"""Shared fixtures: users, API clients, real speech clips and the real emotion model."""
from __future__ import annotations

from pathlib import Path

import factory
import pytest
from rest_framework.test import APIClient

from tests import audio_samples


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.User"

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    password = "correct horse battery"

    @classmethod
    def _create(cls, model_class, *args, email: str, password: str, **kwargs):
        from accounts.services import user_create

        return user_create(email=email, password=password, **kwargs)


@pytest.fixture
def user_factory(db):
    return UserFactory


@pytest.fixture
def user(user_factory):
    return user_factory()


@pytest.fixture
def other_user(user_factory):
    return user_factory()


@pytest.fixture
def emotions(db):
    from catalog.services import emotions_load_defaults

    emotions_load_defaults()


@pytest.fixture
def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("audio")


@pytest.fixture(scope="session")
def speech_clip(audio_dir) -> bytes:
    """A 4-second espeak-ng sentence, 16 kHz mono WAV."""
    return audio_samples.speech_wav(audio_dir / "speech4.wav", seconds=4.0).read_bytes()


@pytest.fixture(scope="session")
def bad_inputs(audio_dir):
    return audio_samples.bad_inputs(audio_dir)


@pytest.fixture(scope="session")
def predictor():
    """The real, shipped emotion model, loaded once for the whole session."""
    from ml import get_predictor

    return get_predictor()


@pytest.fixture(scope="session", autouse=True)
def _fresh_redis():
    """Start from an empty Redis: no queued tasks or throttle counters left by an earlier run."""
    import redis
    from django.conf import settings

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).flushall()  # broker, channels, cache
    except redis.ConnectionError:
        pass  # e.g. `pytest tests/ml` without services; tests that need Redis say so themselves


def pytest_collection_modifyitems(config, items):
    # Playwright's sync API keeps an event loop running in the main thread for as long as the
    # session-scoped browser lives; async_to_sync (Channels tests) refuses to run beside it.
    # The browser tests therefore run last.
    items.sort(key=lambda item: "tests/e2e/" in item.nodeid.replace("\\", "/"))
