"""The shipped predictor: contract, calibrated output, real and synthetic input, thread safety."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from ml import LABELS, EmotionPredictor, Prediction, get_predictor
from ml.audio import SAMPLE_RATE
from ml.errors import AudioDecodeError, InvalidAudioError, NoSpeechError


def _check(p: Prediction, predictor: EmotionPredictor) -> None:
    assert p.label in LABELS and set(p.probabilities) == set(LABELS)
    assert sum(p.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
    assert p.confidence == max(p.probabilities.values()) == p.probabilities[p.label]
    assert p.model_version == predictor.version != ""
    assert set(p.timings_ms) == {"decode", "features", "model", "total"}
    json.dumps(p.to_dict())


def test_contract(predictor: EmotionPredictor) -> None:
    assert predictor.labels == LABELS == (
        "angry", "disgust", "fearful", "happy", "neutral", "sad", "surprised")  # fmt: skip
    assert predictor.card["version"] == predictor.version
    assert "non-commercial" in predictor.card["licence"]


def test_espeak_speech_in_every_format_gives_the_same_answer(
    predictor: EmotionPredictor, speech_formats: dict[str, Path]
) -> None:
    ref = predictor.predict_file(speech_formats["wav"])
    _check(ref, predictor)
    assert 2.0 < ref.speech_duration_s < 6.0
    for ext in ("flac", "webm", "m4a", "mp3"):
        p = predictor.predict_file(speech_formats[ext])
        _check(p, predictor)
        # lossy codecs move probabilities a little, never the whole distribution
        diff = sum(abs(p.probabilities[k] - ref.probabilities[k]) for k in LABELS)
        assert diff < 0.5, (ext, p.probabilities, ref.probabilities)


def test_waveform_at_any_rate_and_level(predictor: EmotionPredictor, speech_16k: np.ndarray) -> None:
    import librosa

    a = predictor.predict(speech_16k, SAMPLE_RATE)
    b = predictor.predict(librosa.resample(speech_16k, orig_sr=SAMPLE_RATE, target_sr=44_100) * 0.1,
                          44_100)  # fmt: skip
    _check(b, predictor)
    assert sum(abs(a.probabilities[k] - b.probabilities[k]) for k in LABELS) < 0.3


def test_a_tone_or_noise_is_not_given_an_emotion(predictor: EmotionPredictor) -> None:
    # The old level gate analysed any loud sound; voice activity refuses what is not a voice.
    t = np.arange(2 * SAMPLE_RATE) / SAMPLE_RATE
    tone = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    noise = np.random.default_rng(0).normal(0, 0.1, 2 * SAMPLE_RATE).astype(np.float32)
    for signal in (tone, noise):
        with pytest.raises(NoSpeechError):
            predictor.predict(signal, SAMPLE_RATE)


def test_integer_pcm_and_float_give_the_same_prediction(predictor: EmotionPredictor,
                                                         speech_16k: np.ndarray) -> None:
    pcm = np.round(speech_16k * 32767).astype(np.int16)
    a = predictor.predict(speech_16k, SAMPLE_RATE)
    b = predictor.predict(pcm, SAMPLE_RATE)
    # int16 samples are read as sample / 32767: exactly what the same samples give as floats...
    same = predictor.predict(pcm.astype(np.float32) / 32767, SAMPLE_RATE)
    assert all(abs(same.probabilities[k] - b.probabilities[k]) < 1e-4 for k in LABELS)
    # ...and close to the unquantised original (espeak's digital silence makes the -96 dB
    # quantisation noise matter more than in a real recording; an unscaled int16 array would be
    # clipped to +-1 and look like a different recording altogether).
    assert a.speech_duration_s == pytest.approx(b.speech_duration_s, abs=0.02)
    assert all(abs(a.probabilities[k] - b.probabilities[k]) < 0.06 for k in LABELS)


@pytest.mark.parametrize(
    ("signal", "error"),
    [
        (np.zeros(2 * SAMPLE_RATE, np.float32), NoSpeechError),
        (np.full(2 * SAMPLE_RATE, np.nan, np.float32), InvalidAudioError),
        (np.array([], np.float32), InvalidAudioError),
        ((0.3 * np.sin(np.arange(3200) / 5)).astype(np.float32), NoSpeechError),  # a 0.2-s beep
    ],
)
def test_unusable_waveforms_raise_typed_errors(predictor: EmotionPredictor, signal: np.ndarray,
                                               error: type[Exception]) -> None:
    with pytest.raises(error):
        predictor.predict(signal, SAMPLE_RATE)


def test_garbage_file(predictor: EmotionPredictor, tmp_path: Path) -> None:
    p = tmp_path / "x.webm"
    p.write_bytes(b"garbage" * 100)
    with pytest.raises(AudioDecodeError):
        predictor.predict_file(p)


def test_thread_safe_predictions_match_sequential(predictor: EmotionPredictor,
                                                   speech_16k: np.ndarray) -> None:
    clips = [speech_16k, speech_16k[: 2 * SAMPLE_RATE], np.tile(speech_16k, 3)]
    expected = [predictor.predict(c, SAMPLE_RATE).probabilities for c in clips]
    results: dict[int, dict[str, float]] = {}

    def work(i: int) -> None:
        results[i] = predictor.predict(clips[i % 3], SAMPLE_RATE).probabilities

    threads = [threading.Thread(target=work, args=(i,)) for i in range(9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, probs in results.items():
        for k in LABELS:
            assert probs[k] == pytest.approx(expected[i % 3][k], abs=1e-5)


def test_get_predictor_is_a_process_wide_singleton() -> None:
    a = get_predictor()
    assert a is get_predictor()
    assert isinstance(a, EmotionPredictor)
