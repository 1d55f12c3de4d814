"""Celery tasks of the recommendations app: thin wrappers that take ids and call services."""
from celery import shared_task

from . import services


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def build_recommendations(result_id: int, strategy: str | None = None) -> int | None:
    """Build (once) the set for an emotion result; a redelivered message returns the same set."""
    from emotion.models import EmotionResult

    result = EmotionResult.objects.select_related("submission__user").filter(pk=result_id).first()
    if result is None:  # the submission was deleted meanwhile
        return None
    return services.build_recommendation_set(result=result, strategy=strategy).pk
