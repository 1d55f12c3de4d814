"""`celery worker` whose model pauses SLOW_PREDICT_S before each prediction, so a test can kill it
mid-task; with CRASH_PREDICT=1 each prediction instead kills its own pool process, as a decoder
crashing in native code on a hostile file would; with HANG_PREDICT=1 it also ignores the soft time
limit while it pauses, as a call stuck in native code would.

Run as ``python -m tests.integration.slow_worker -A moodify_site worker ...``. Only the model's
behaviour changes; the task, the broker and the database are the real ones.
"""
import os
import signal
import sys
import time

from celery.signals import worker_process_init


@worker_process_init.connect
def _slow_down_predictions(**_kwargs) -> None:
    from ml.predictor import EmotionPredictor

    # _predict is where both predict (the samples the upload decoded) and predict_file (a recording
    # decoded here) arrive.
    original = EmotionPredictor._predict
    delay = float(os.environ.get("SLOW_PREDICT_S", "30"))
    crash = os.environ.get("CRASH_PREDICT") == "1"
    hang = os.environ.get("HANG_PREDICT") == "1"

    def slow_predict(self, *args, **kwargs):
        if crash:
            os.kill(os.getpid(), signal.SIGKILL)
        if hang:  # the soft limit arrives as SIGUSR1: native code never returns to take it
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
        time.sleep(delay)
        return original(self, *args, **kwargs)

    EmotionPredictor._predict = slow_predict


if __name__ == "__main__":
    from celery.__main__ import main

    sys.argv = ["celery", *sys.argv[1:]]
    main()
