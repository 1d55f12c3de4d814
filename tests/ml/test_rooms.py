"""Room and device transforms, and who may be heard as babble behind whom."""

from __future__ import annotations

import numpy as np
import pytest

from ml.audio import SAMPLE_RATE
from ml.datasets import Clip
from ml.folds import other_fold_voices, same_fold_voices, speaker_fold_map
from ml.rooms import (
    BabbleBank,
    RoomAugment,
    codec_round_trip,
    degrade,
    mix_at_snr,
    reverberate,
    room_impulse_response,
)


def _tone(f0: float, seconds: float = 2.0) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (0.1 * np.sin(2 * np.pi * f0 * t)).astype(np.float32)


def _clips(n_speakers: int = 10) -> list[Clip]:
    from pathlib import Path

    return [Clip(Path(f"/x/s{s}/c{i}.wav"), "test", f"S{s:02d}", "neutral", "f")
            for s in range(n_speakers) for i in range(3)]


def _bank(speakers: list[str]) -> BabbleBank:
    """A bank whose every "voice" is one pure tone: a speaker's frequency marks its presence."""
    bank = BabbleBank([])
    bank.voices = {s: [_tone(200.0 + 50 * i).astype(np.float16)] for i, s in enumerate(speakers)}
    return bank


def _present(y: np.ndarray, speakers: list[str]) -> set[str]:
    spec = np.abs(np.fft.rfft(y))
    freqs = np.fft.rfftfreq(len(y), 1 / SAMPLE_RATE)
    level = {s: spec[np.argmin(np.abs(freqs - (200.0 + 50 * i)))] for i, s in enumerate(speakers)}
    top = max(level.values())
    return {s for s, v in level.items() if v > 0.01 * top}


def test_no_held_out_voice_is_ever_babble_in_its_own_fold() -> None:
    clips = _clips()
    fold_of = speaker_fold_map(clips)
    speakers = sorted(fold_of)
    bank = _bank(speakers)
    rng = np.random.default_rng(0)
    for spk in speakers:
        k = fold_of[spk]
        # Evaluation: the tested fold's voices are never behind its own speakers.
        heard = _present(bank.babble(SAMPLE_RATE * 4, other_fold_voices(fold_of, spk), rng, voices=30), speakers)
        assert heard and all(fold_of[s] != k for s in heard), (spk, heard)
        # Training copies: voices of the clip's own (training) fold only, never the speaker itself.
        heard = _present(bank.babble(SAMPLE_RATE * 4, same_fold_voices(fold_of, spk), rng, voices=30), speakers)
        assert heard and all(fold_of[s] == k and s != spk for s in heard), (spk, heard)


def test_training_copies_of_a_fold_never_carry_another_folds_voice() -> None:
    clips = _clips()
    fold_of = speaker_fold_map(clips)
    speakers = sorted(fold_of)
    bank = _bank(speakers)
    only_babble = RoomAugment(variants=1, p_reverb=0, p_babble=1, babble_snr_db=(-20, -20), p_noise=0,
                              p_band=0, p_codec=0, p_gain=0)  # fmt: skip
    quiet = np.zeros(SAMPLE_RATE * 3, np.float32) + 1e-4
    for seed, spk in enumerate(speakers):
        y = degrade(quiet, seed, only_babble, babble=bank, allowed=same_fold_voices(fold_of, spk))
        assert all(fold_of[s] == fold_of[spk] for s in _present(y, speakers))


def test_babble_copies_carry_only_voices_of_the_clips_own_fold(monkeypatch: pytest.MonkeyPatch) -> None:
    import ml.cache as cache

    # What the encoder would be given, not its embedding: the mixed waveform itself.
    monkeypatch.setattr(cache, "embed_speech", lambda y, sr: np.asarray(y)[None])
    quiet = np.zeros(SAMPLE_RATE * 3, np.float32) + 1e-4
    monkeypatch.setattr(cache, "load_audio", lambda path: (quiet, SAMPLE_RATE))
    clips = _clips()
    fold_of = speaker_fold_map(clips)
    speakers = sorted(fold_of)
    bank = _bank(speakers)
    room = RoomAugment(variants=2, babble_copies=2, babble_copy_snr_db=-20.0)
    for spk in speakers:
        clip = next(c for c in clips if c.speaker == spk)
        rows = cache._babble_copies(clip, room, fold_of, bank)
        assert len(rows) == 2 and not np.allclose(rows[0], rows[1])  # two different draws
        for row in rows:
            heard = _present(row[0], speakers)
            assert heard and all(fold_of[s] == fold_of[spk] and s != spk for s in heard), (spk, heard)
    # A voice alone in its fold (each TESS speaker) has nobody to be mixed with: no copy.
    lone = next(c for c in clips if c.speaker == speakers[0])
    assert cache._babble_copies(lone, room, {speakers[0]: 0, speakers[1]: 1}, bank) == []


def test_mixing_hits_the_asked_signal_to_noise_ratio() -> None:
    speech = _tone(300.0)
    noise = np.random.default_rng(0).standard_normal(len(speech)).astype(np.float32)
    for snr in (0.0, 10.0, 20.0):
        mixed = mix_at_snr(speech, noise, snr)
        n = mixed - speech
        measured = 10 * np.log10(np.mean(speech**2) / np.mean(n**2))
        assert measured == pytest.approx(snr, abs=0.3)


def test_reverberation_rings_on_after_the_sound_stops() -> None:
    click = np.zeros(SAMPLE_RATE, np.float32)
    click[100:200] = 0.5
    wet = reverberate(click, room_impulse_response(0.8, np.random.default_rng(0)))
    tail = wet[4000:12000]  # 0.25-0.75 s: a dry click is silent here
    assert np.sqrt(np.mean(tail**2)) > 1e-3
    assert np.sqrt(np.mean(wet[16000:] ** 2)) < np.sqrt(np.mean(tail**2))  # and decays


def test_opus_round_trip_keeps_the_sound() -> None:
    y = _tone(440.0, 2.0)
    out = codec_round_trip(y, "opus24")
    assert abs(len(out) - len(y)) < 0.1 * SAMPLE_RATE
    spec = np.abs(np.fft.rfft(out[: len(y)]))
    assert abs(np.argmax(spec) * SAMPLE_RATE / len(y[: len(out)]) - 440.0) < 5
