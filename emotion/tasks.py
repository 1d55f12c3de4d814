"""Celery tasks of the emotion pipeline; they take ids, call services, and stay thin."""
from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_init, worker_process_init
from celery.worker.request import Request
from django.conf import settings

from emotion import services
from moodify_site.celery import TRANSIENT_ERRORS

logger = logging.getLogger(__name__)

ANALYSIS_ERROR_DETAIL = "Something went wrong on our side while analysing this recording. Please try again."
UNAVAILABLE_DETAIL = "We could not analyse this recording right now. Please try again in a few minutes."
TIMEOUT_DETAIL = "Analysing this recording took too long, so we stopped. Please try again with a shorter clip."


def _warm_predictor() -> None:
    # TensorFlow is imported here, after the pool forked, never in the parent process:
    # TF's thread pools do not survive fork().
    import time

    from ml import get_predictor

    from operations.workers import record_model_loaded

    from ml.face import get_face_predictor

    started = time.perf_counter()
    predictor = get_predictor()
    # The face model and detector too: the first camera submission would otherwise pay ~0.2 s.
    get_face_predictor().warm_up()
    load_s = time.perf_counter() - started
    record_model_loaded(version=predictor.version, load_s=load_s)
    logger.info("emotion model %s ready in %.1f s", predictor.version, load_s)


@worker_process_init.connect
def _load_predictor_in_pool_process(**_kwargs) -> None:
    _warm_predictor()


@worker_init.connect
def _load_predictor_in_solo_worker(sender=None, **_kwargs) -> None:
    # The solo and threads pools run tasks in the main process, where worker_process_init never fires.
    pool = getattr(sender, "pool_cls", None)
    name = pool if isinstance(pool, str) else getattr(pool, "__module__", "")
    if "solo" in str(name) or "thread" in str(name):
        _warm_predictor()


class AnalysisRequest(Request):
    """Past the hard time limit the pool process is killed and the message acknowledged, so no
    code of the task runs again: the worker's main process finishes the submission instead."""

    def on_timeout(self, soft: bool, timeout: float) -> None:
        super().on_timeout(soft, timeout)
        if not soft and self.args:
            services.submission_fail(submission_id=self.args[0], code="analysis_timeout", detail=TIMEOUT_DETAIL)


# Every try that reaches the analyser is an attempt (emotion.services caps them); a database or
# Redis outage is waited out with EMOTION_TRANSIENT_RETRIES tries, then fails with a sentence.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=settings.EMOTION_TRANSIENT_RETRIES,
             Request=AnalysisRequest)
def analyze_submission(self, submission_id: str) -> str:
    """Detect the emotion in a submission's recording and store it. Safe to run twice."""
    try:
        return services.submission_analyze(submission_id=submission_id)
    except TRANSIENT_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            logger.exception("submission %s: giving up after %d retries", submission_id, self.request.retries)
            services.submission_fail(submission_id=submission_id, code="unavailable", detail=UNAVAILABLE_DETAIL)
            return "failed"
        countdown = min(2 ** self.request.retries, 60)
        logger.warning("submission %s: transient error %r, retry in %ss", submission_id, exc, countdown)
        raise self.retry(exc=exc, countdown=countdown) from exc
    except SoftTimeLimitExceeded:
        logger.error("submission %s: analysis passed its soft time limit", submission_id)
        services.submission_fail(submission_id=submission_id, code="analysis_timeout", detail=TIMEOUT_DETAIL)
        return "failed"
    except Exception:
        # A bug, not the user's fault: tell them, keep the traceback for us, do not loop on it.
        logger.exception("submission %s: analysis crashed", submission_id)
        services.submission_fail(submission_id=submission_id, code="analysis_error", detail=ANALYSIS_ERROR_DETAIL)
        raise


@shared_task(acks_late=True)
def purge_expired_recordings() -> int:
    """Delete recordings past their owners' retention period (scheduled by Celery beat)."""
    return services.recordings_purge_expired()


@shared_task(acks_late=True)
def reanalyze_submission(submission_id: str) -> str:
    """Run the current model on a done submission's kept recording and replace its result."""
    return services.result_reanalyze(submission_id=submission_id)


@shared_task(acks_late=True)
def fail_stuck_submissions() -> dict[str, int]:
    """Queue again the analyses of submissions whose task may be lost, fail those stuck in the queue
    or in analysis far longer, with a sentence, and delete recordings no submission points to
    (scheduled by Celery beat)."""
    return {"failed": services.submissions_fail_stuck(), "requeued": services.submissions_requeue_lost(),
            "orphans_deleted": services.recordings_delete_orphans()}
