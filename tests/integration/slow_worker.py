"""`celery worker` whose model pauses SLOW_PREDICT_S before each prediction, so a test can kill it mid-task.

Run as ``python -m tests.integration.slow_worker -A moodify_site worker ...``. Only the timing
changes; the task, the broker and the database are the real ones.
"""
import os
import sys
import time

from celery.signals import worker_process_init


@worker_process_init.connect
def _slow_down_predictions(**_kwargs) -> None:
    from ml.predictor import EmotionPredictor

    original = EmotionPredictor.predict_file
    delay = float(os.environ.get("SLOW_PREDICT_S", "30"))

    def slow_predict_file(self, *args, **kwargs):
        time.sleep(delay)
        return original(self, *args, **kwargs)

    EmotionPredictor.predict_file = slow_predict_file


if __name__ == "__main__":
    from celery.__main__ import main

    sys.argv = ["celery", *sys.argv[1:]]
    main()
