"""Long recordings as windows of the length the model is trained on.

The head learns from acted clips of 1-5 s of speech, one utterance each; a 20-s recording embedded
whole is an input it never saw (it answered "disgust" for nearly every recording over ~7 s). So a
longer recording is cut along its pauses into utterances of at most :data:`MAX_WINDOW_S`, each is
embedded and scored on its own, and the recording's result pools them. Training clips go through
the same function: each is one window. Cutting at pauses rather than into equal parts mattered: on
joined RAVDESS clips (the robustness report's "long") equal 3-5-s windows that straddle two
sentences scored 60.0%, windows along the pauses 82.5%.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ml.audio import Speech

MAX_WINDOW_S = 5.0
MIN_WINDOW_S = 1.0


@dataclass(frozen=True)
class SpeechWindow:
    """One window of kept speech, and where it lies in the original recording (seconds)."""

    waveform: np.ndarray
    start_s: float
    end_s: float


def _region_windows(speech: Speech, max_window_s: float = MAX_WINDOW_S,
                    min_window_s: float = MIN_WINDOW_S) -> list[SpeechWindow]:
    """Windows along the pauses: each voiced region (an utterance between pauses, as voice
    activity found it) is a window; one shorter than ``min_window_s`` joins the next; one longer
    than ``max_window_s`` is cut into equal parts."""
    sr = speech.sample_rate
    spans: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    for start, _, length in speech.pieces or ((0, 0, len(speech.waveform)),):
        cur = (cur[0], start + length) if cur else (start, start + length)
        if cur[1] - cur[0] >= min_window_s * sr:
            spans.append(cur)
            cur = None
    if cur:
        if spans:
            spans[-1] = (spans[-1][0], cur[1])
        else:
            spans.append(cur)
    out: list[SpeechWindow] = []
    for a, b in spans:
        n = max(1, math.ceil((b - a) / (max_window_s * sr) - 1e-9))
        bounds = np.linspace(a, b, n + 1).round().astype(int)
        out += [SpeechWindow(speech.waveform[x:y], round(speech.recording_time(int(x)), 3),
                             round(speech.recording_time(int(y) - 1) + 1 / sr, 3))
                for x, y in zip(bounds[:-1], bounds[1:], strict=True)]  # fmt: skip
    return out


def speech_windows(speech: Speech, max_window_s: float = MAX_WINDOW_S) -> list[SpeechWindow]:
    """Up to ``max_window_s`` of speech: one window, the whole of it (every training clip is
    one). Longer: one window per utterance between pauses (:func:`_region_windows`)."""
    if len(speech.waveform) <= max_window_s * speech.sample_rate:
        return [SpeechWindow(speech.waveform, round(speech.recording_time(0), 3),
                             round(speech.recording_time(len(speech.waveform) - 1) + 1 / speech.sample_rate, 3))]
    return _region_windows(speech, max_window_s)
