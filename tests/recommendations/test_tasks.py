import pytest

from emotion.signals import emotion_result_stored
from moodify_site.celery import app as celery_app
from recommendations.models import RecommendationSet
from recommendations.tasks import build_recommendations

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
