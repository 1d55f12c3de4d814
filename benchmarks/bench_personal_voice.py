"""What a personal adapter costs the worker: building it from a user's examples (every analysis
does, from their latest PERSONAL_VOICE_MAX_EXAMPLES) and the extra work of applying it.

Examples are the shipped head's training class means plus noise (only their number matters for the
cost). Printed: median milliseconds over ``--repeat`` runs for n = 7, 50 and 200 examples, and the
head on one 4,608-value window embedding with and without the adapter (numpy, one thread).

    OMP_NUM_THREADS=1 python benchmarks/bench_personal_voice.py [--repeat 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _median_ms(fn, repeat: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    from ml.personal import HeadArrays, build_adapter
    from ml.serving import DEFAULT_MODEL_DIR
    from ml.serving import HEAD_FILE

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    head = HeadArrays.load(DEFAULT_MODEL_DIR / HEAD_FILE)
    rng = np.random.default_rng(0)
    window = (head.class_means[3] + rng.normal(0, 0.1, head.dim)).astype(np.float32)[None]
    for n in (7, 50, 200):
        labels = rng.integers(0, head.n_classes, n)
        examples = (head.class_means[labels] + rng.normal(0, 0.1, (n, head.dim))).astype(np.float32)
        build = _median_ms(lambda: build_adapter(head, examples, labels), args.repeat)  # noqa: B023
        print(f"build from {n:3d} examples: {build:7.2f} ms")
    adapter = build_adapter(head, examples, labels)
    plain = _median_ms(lambda: head.logits(window), args.repeat * 10)
    adapted = _median_ms(lambda: adapter.window_logits(head, window), args.repeat * 10)
    offset = _median_ms(lambda: window - adapter.offset, args.repeat * 10)
    print(f"head on one window: {plain:.3f} ms; through the adapter: {adapted:.3f} ms "
          f"(the served path adds only the subtraction: {offset * 1000:.1f} us)")  # fmt: skip


if __name__ == "__main__":
    main()
