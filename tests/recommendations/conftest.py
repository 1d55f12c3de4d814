import pytest
from rest_framework.test import APIClient

from catalog import services as catalog_services
from tests.recommendations.factories import EmotionResultFactory, UserFactory


@pytest.fixture
def catalog(db):
    """Default emotions, moods, genres, mood maps and the starter catalog, as `make run` has them."""
    catalog_services.load_defaults()


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
