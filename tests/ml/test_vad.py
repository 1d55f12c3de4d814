"""Voice activity does not lose a voice next to a far louder sound."""

from __future__ import annotations

import numpy as np

from ml import vad
from ml.audio import load_audio
from tests.ml.conftest import data_dir, needs_data


def _speech_mask(y: np.ndarray) -> np.ndarray:
    mask = np.zeros(len(y), bool)
    for s, e in vad.speech_regions(vad.activity(y), len(y)):
        mask[s:e] = True
    return mask


def _clips(every: int, count: int) -> list[np.ndarray]:
    paths = sorted((data_dir() / "speech" / "ravdess").glob("Actor_*/*.flac"))[::every][:count]
    return [load_audio(p)[0] for p in paths]


@needs_data
def test_a_click_far_louder_than_the_voice_does_not_hide_it() -> None:
    kept = []
    for y in _clips(every=60, count=10):
        before = _speech_mask(y)
        clicked = y.copy()
        mid = len(y) // 2  # a 5-ms bump 40 dB above the voice's peak: a door, a knock on the mic
        clicked[mid: mid + 80] += 100 * np.abs(y).max() * np.hanning(80).astype(np.float32)
        kept.append(np.sum(before & _speech_mask(clicked)) / np.sum(before))
    # Measured: 0.76-0.96 of each clip's speech kept, 0.90 on average (a noise floor tied to the
    # peak, variant S2 of the model card, kept almost none in 18 of 20 clips).
    assert min(kept) >= 0.7 and np.mean(kept) >= 0.85, kept


@needs_data
def test_a_whisper_after_shouting_is_still_heard() -> None:
    # Actor 9 shouting angrily, then sad and nearly whispering, 35 dB quieter.
    folder = data_dir() / "speech" / "ravdess" / "Actor_09"
    angry = [load_audio(p)[0] for p in sorted(folder.glob("03-01-05-02-*.flac"))[:3]]
    sad = [load_audio(p)[0] for p in sorted(folder.glob("03-01-04-02-*.flac"))[:3]]
    y = np.concatenate(angry + sad)
    mask = _speech_mask(y)
    sad_part = mask[sum(len(a) for a in angry):]
    alone = _speech_mask(np.concatenate(sad))  # the same sad clips on their own
    # A known limit: next to shouting, voice activity finds about a third of the whisper it finds
    # in the whisper alone (2.3 of 6.4 s); a noise floor 33 dB under the loud frames found none.
    assert sad_part.sum() >= 0.25 * alone.sum()
