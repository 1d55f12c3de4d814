"""What the command line prints for predictions: one JSON line per input on stdout, and for an
input it cannot use, one line on stderr and exit status 2 (the others are still answered)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from typing import Any

from ml.errors import InputError

EXIT_BAD_INPUT = 2


def print_predictions(names: Iterable[str], predict: Callable[[str], Any]) -> int:
    """``predict(name)`` for each input, printed as ``file, emotion, confidence, probabilities``;
    returns the exit status."""
    status = 0
    for name in names:
        try:
            p = predict(name)
        except InputError as exc:
            print(f"{name}: {exc.user_message} ({exc.code})", file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        except OSError as exc:
            print(f"{name}: cannot read the file ({exc.strerror or exc})", file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        print(json.dumps({"file": name, "emotion": p.label, "confidence": round(p.confidence, 4),
                          "probabilities": {k: round(v, 4) for k, v in p.probabilities.items()}}),
              flush=True)  # fmt: skip
    return status
