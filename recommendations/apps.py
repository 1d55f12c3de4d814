import logging

from django.apps import AppConfig

logger = logging.getLogger(__name__)


def enqueue_recommendations(sender, result, **kwargs) -> None:
    """An emotion result was stored (after commit): build its recommendations in the background."""
    from .tasks import build_recommendations

    try:
        build_recommendations.delay(result.pk)
    except Exception:
        # The broker being down must not fail the emotion pipeline; the set is built on request.
        logger.exception("Could not enqueue recommendations for result %s", result.pk)


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = "Recommendations"

    def ready(self) -> None:
        from emotion.signals import emotion_result_stored

        emotion_result_stored.connect(enqueue_recommendations, dispatch_uid="recommendations.enqueue")
