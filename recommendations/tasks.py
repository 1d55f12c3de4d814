"""Celery tasks of the recommendations app: thin wrappers that take ids and call services."""
from celery import shared_task

from moodify_site.celery import TRANSIENT_ERRORS

from . import services


# Spotify trouble never gets here (the search falls back to the local catalog and the breaker takes
# it); the database or the cache's Redis blinking does, and is worth another try.
@shared_task(acks_late=True, autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=3)
def build_recommendations(result_id: int, strategy: str | None = None, correction_id: int | None = None) -> int | None:
    """Build (once) the set for an emotion result, or for its correction; a redelivered message
    returns the same set."""
    from emotion.models import EmotionResult

    from .models import EmotionCorrection

    result = EmotionResult.objects.select_related("submission__user").filter(pk=result_id).first()
    if result is None:  # the submission was deleted meanwhile
        return None
    correction = None
    if correction_id is not None:
        correction = EmotionCorrection.objects.filter(pk=correction_id, result=result).first()
        if correction is None:
            return None
    return services.build_recommendation_set(result=result, strategy=strategy, correction=correction).pk
