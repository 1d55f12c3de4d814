import logging

from django.apps import AppConfig

logger = logging.getLogger(__name__)


def enqueue_recommendations(sender, result, **kwargs) -> None:
    """An emotion result was stored (after commit): build its recommendations in the background."""
    from .services import set_build_request

    try:
        set_build_request(result=result)
    except Exception:
        # The broker being down must not fail the emotion pipeline; the next request for the set
        # queues it again.
        logger.exception("Could not enqueue recommendations for result %s", result.pk)


def forget_mood_maps(sender, **kwargs) -> None:
    """A mood map, its genres or moods, an emotion, a genre or a mood changed: the next request rereads them."""
    from django.db import transaction

    from .selectors import forget_mood_maps as forget

    forget()
    # Again after commit, in case a request cached the old rows while this transaction was open.
    transaction.on_commit(forget)


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = "Recommendations"

    def ready(self) -> None:
        from . import tasks  # noqa: F401 -- registers the task services queue by name

        from emotion.signals import emotion_result_stored

        emotion_result_stored.connect(enqueue_recommendations, dispatch_uid="recommendations.enqueue")

        from accounts.signals import collect_user_export

        from .export import user_export_section

        collect_user_export.connect(user_export_section, dispatch_uid="recommendations.export")

        from django.db.models.signals import m2m_changed, post_delete, post_save

        from catalog.models import Emotion, Genre, Mood, MoodMap, MoodMapGenre

        for model in (MoodMap, MoodMapGenre, Emotion, Genre, Mood):
            for signal in (post_save, post_delete):
                signal.connect(forget_mood_maps, sender=model, dispatch_uid=f"recommendations.forget.{model.__name__}")
        m2m_changed.connect(forget_mood_maps, sender=MoodMap.moods.through, dispatch_uid="recommendations.forget.moods")

        from operations import scrape

        from .spotify import breaker_gauges

        scrape.register("spotify", breaker_gauges)
