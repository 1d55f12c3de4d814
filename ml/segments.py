"""Long recordings as windows of the length the model is trained on.

The head learns from acted clips of 1.5-5 s of speech; a 20-s recording embedded whole is an input
it never saw (it answered "disgust" for nearly every recording over ~7 s). So the kept speech is
cut into equal windows of at most :data:`MAX_WINDOW_S`, each is embedded and scored on its own,
and the recording's result pools them. Training clips go through the same function: a clip of up
to 5 s of speech is one window, so training and serving see the same kind of input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ml.audio import Speech

MAX_WINDOW_S = 5.0


@dataclass(frozen=True)
class SpeechWindow:
    """One window of kept speech, and where it lies in the original recording (seconds)."""

    waveform: np.ndarray
    start_s: float
    end_s: float


def speech_windows(speech: Speech, max_window_s: float = MAX_WINDOW_S) -> list[SpeechWindow]:
    """Equal consecutive windows covering all of ``speech``: one for up to ``max_window_s``, else
    ``ceil(duration / max_window_s)`` of between half and all of ``max_window_s`` each."""
    n_samples = len(speech.waveform)
    n = max(1, math.ceil(n_samples / (max_window_s * speech.sample_rate) - 1e-9))
    bounds = np.linspace(0, n_samples, n + 1).round().astype(int)
    return [
        SpeechWindow(
            waveform=speech.waveform[a:b],
            start_s=round(speech.recording_time(int(a)), 3),
            end_s=round(speech.recording_time(int(b) - 1) + 1 / speech.sample_rate, 3),
        )
        for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    ]
