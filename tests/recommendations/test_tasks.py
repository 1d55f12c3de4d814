import pytest
from celery.signals import task_retry
from redis.exceptions import ConnectionError as RedisConnectionError

from emotion.signals import emotion_result_stored
from moodify_site.celery import app as celery_app
from recommendations.models import RecommendationSet
from recommendations import spotify
from recommendations.tasks import build_recommendations
from tests.integration.conftest import free_port
from tests.recommendations.conftest import make_trouble

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_a_stored_result_gets_its_set_through_the_signal(catalog, eager, result_for):
    result = result_for("surprised")
    emotion_result_stored.send(sender=type(result), result=result)
    rec_set = RecommendationSet.objects.get(result=result)
    assert rec_set.strategy == "match" and rec_set.items.count() == 10


def test_the_task_is_idempotent(catalog, result_for):
    result = result_for("neutral")
    assert build_recommendations(result.pk) == build_recommendations(result.pk)
    assert RecommendationSet.objects.filter(result=result).count() == 1
    assert build_recommendations(999999) is None


@pytest.fixture
def retries():
    reasons = []

    def record(reason=None, **_kwargs):
        reasons.append(reason)

    task_retry.connect(record, weak=False)
    yield reasons
    task_retry.disconnect(record)


@pytest.mark.parametrize("mode", ["slow", "server_error", "refused"])
def test_spotify_timing_out_failing_or_refusing_still_gives_a_set_without_retrying(
    catalog, fake, result_for, retries, mode
):
    make_trouble(fake, mode)
    outcome = build_recommendations.apply(args=[result_for("happy").pk])
    assert outcome.successful() and not retries
    rec_set = RecommendationSet.objects.get(pk=outcome.result)
    assert rec_set.notice == spotify.NOTICE and rec_set.items.count() == 10


def test_a_redis_outage_while_building_is_retried_and_the_set_still_arrives(catalog, result_for, settings, retries):
    result = result_for("sad")
    working = settings.CACHES
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{free_port()}/2",  # nothing listens there
                                   "OPTIONS": {"socket_connect_timeout": 0.5}}}
    task_retry.connect(lambda **_: setattr(settings, "CACHES", working), weak=False, dispatch_uid="redis-back")
    try:
        outcome = build_recommendations.apply(args=[result.pk])
    finally:
        task_retry.disconnect(dispatch_uid="redis-back")
        settings.CACHES = working
    assert [type(reason.exc) for reason in retries] == [RedisConnectionError]
    assert outcome.successful() and RecommendationSet.objects.get(result=result).items.count() == 10
