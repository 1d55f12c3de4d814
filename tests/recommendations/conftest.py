import pytest
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction
from rest_framework.test import APIClient

from catalog import services as catalog_services
from tests.fakespotify.server import CLIENT_ID, CLIENT_SECRET, FakeSpotify
from tests.recommendations.factories import EmotionResultFactory, UserFactory


@pytest.fixture(scope="session")
def _catalog_rows(django_db_setup, django_db_blocker):
    """Run `load_defaults` once per session (~2 s) and keep its rows in memory, not in the DB.

    Keeping them out of the database means tests that do not ask for the catalog (tests/catalog
    imports into an empty one) still start empty, and a flush by a transactional test loses nothing.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        catalog_services.load_defaults()
        rows = [(model, list(model.objects.all()))
                for model in apps.get_app_config("catalog").get_models(include_auto_created=True)]
        transaction.set_rollback(True)
    return rows


@pytest.fixture
def catalog(db, _catalog_rows):
    """Default emotions, moods, genres, mood maps and the starter catalog, as `make run` has them.

    Inserted inside the test's transaction (foreign keys are checked at commit, so table order does
    not matter) and rolled back with it.
    """
    for model, rows in _catalog_rows:
        model.objects.bulk_create(rows)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [model for model, _ in _catalog_rows]):
            cursor.execute(sql)


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def result_for(user):
    def make(label="sad", confidence=0.9, probabilities=None, owner=None):
        return EmotionResultFactory(submission__user=owner or user, label=label, confidence=confidence,
                                    probabilities=probabilities or {label: confidence})
    return make


@pytest.fixture(autouse=True)
def _clear_cache(settings):
    from django.core.cache import cache

    settings.SPOTIFY_CLIENT_ID = ""
    settings.SPOTIFY_CLIENT_SECRET = ""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def fake(settings):
    """A fake Spotify Web API on loopback, with the site's credentials and URLs pointed at it."""
    server = FakeSpotify().start()
    settings.SPOTIFY_CLIENT_ID = CLIENT_ID
    settings.SPOTIFY_CLIENT_SECRET = CLIENT_SECRET
    settings.SPOTIFY_API_URL = server.api_url
    settings.SPOTIFY_AUTH_URL = server.auth_url
    settings.SPOTIFY_TIMEOUT_S = 1.0
    yield server
    server.stop()


def make_trouble(fake: FakeSpotify, mode: str) -> None:
    if mode == "refused":
        fake.stop()  # nothing listens on the port any more: connection refused
    else:
        fake.mode = mode


@pytest.fixture
def worker(monkeypatch):
    """Set builds the site queues run at once in this process, as a Celery worker would run them."""
    from recommendations.tasks import build_recommendations

    monkeypatch.setattr(build_recommendations, "delay", lambda *args: build_recommendations.apply(args=args))


def fetch_set(client, url: str):
    """Ask for a set as the page does: 202 while it is on its way, then the set (the `worker`
    fixture has built it by the time the first answer arrives)."""
    first = client.get(url)
    if first.status_code != 202:
        return first
    assert first.json()["status"] in ("analysing", "building") and first.json()["detail"].endswith(".")
    return client.get(url)
