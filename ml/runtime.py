"""How many threads the numeric runtimes use: TensorFlow's pools (training, evaluation, the Keras
predictor) and ONNX Runtime sessions (serving)."""

from __future__ import annotations

import os
from pathlib import Path


def configure_threads(n: int | None = None) -> None:
    """Pin TensorFlow's thread pools (must run before TF executes anything)."""
    import tensorflow as tf

    n = n or int(os.environ.get("MOODIFY_TF_THREADS", "0")) or os.cpu_count() or 1
    try:
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass  # TF already initialised in this process; keep its pools


def serving_threads(threads: int | None = None) -> int:
    """Threads per predictor for its numeric work: ``MOODIFY_ML_THREADS`` (default 1; a worker
    process analyses one recording at a time and a machine runs one worker process per core)."""
    return threads or int(os.environ.get("MOODIFY_ML_THREADS") or os.environ.get("MOODIFY_TF_THREADS") or 1)


def ort_session(model: Path | bytes, threads: int | None = None):  # noqa: ANN201 - onnxruntime.InferenceSession
    """An ONNX Runtime CPU session; ``run`` may be called from several threads at once."""
    import onnxruntime as ort

    # The wheel carries Microsoft's telemetry client (it leaves a `.ses` marker in $TMPDIR on import).
    # Moodify analyses people's voices: the runtime reports nothing about what it runs.
    ort.disable_telemetry_events()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = serving_threads(threads)
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(str(model) if isinstance(model, Path) else model, opts,
                                providers=["CPUExecutionProvider"])  # fmt: skip
