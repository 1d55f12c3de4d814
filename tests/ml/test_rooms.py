"""Room and device transforms, and who may be heard as babble behind whom."""

from __future__ import annotations

from dataclasses import replace

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
    focused_copy,
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
        rows = cache.focused_copies(clip, room, "babble_copies", fold_of, bank)
        assert len(rows) == 2 and not np.allclose(rows[0], rows[1])  # two different draws
        for row in rows:
            heard = _present(row[0], speakers)
            assert heard and all(fold_of[s] == fold_of[spk] and s != spk for s in heard), (spk, heard)
    # A voice alone in its fold (each TESS speaker) has nobody to be mixed with: no copy.
    lone = next(c for c in clips if c.speaker == speakers[0])
    assert cache.focused_copies(lone, room, "babble_copies", {speakers[0]: 0, speakers[1]: 1}, bank) == []


def test_quiet_and_room_copies_are_what_their_names_promise() -> None:
    voice = _tone(220.0, 2.0)
    config = RoomAugment(quiet_copies=3, reverb_copies=2)
    levels = []
    for seed in range(20):
        quiet = focused_copy(voice, "quiet_copies", np.random.default_rng(seed), config)
        # Stored as 16-bit: every sample sits on the 16-bit grid, 20 to 45 dB below the original.
        assert np.allclose(quiet * 32767, np.round(quiet * 32767), atol=1e-3)
        levels.append(20 * np.log10(np.sqrt(np.mean(quiet.astype(np.float64) ** 2)) / np.sqrt(np.mean(voice.astype(np.float64) ** 2))))
    assert -45.5 <= min(levels) and max(levels) <= -19.5 and max(levels) - min(levels) > 10
    # In a room the sound rings on after the speaker stops, and no one else is heard.
    burst = np.concatenate([voice[: SAMPLE_RATE // 2], np.zeros(SAMPLE_RATE, np.float32)])
    wet = focused_copy(burst, "reverb_copies", np.random.default_rng(0), config)
    assert np.sqrt(np.mean(wet[SAMPLE_RATE // 2 + 1600:SAMPLE_RATE] ** 2)) > 1e-3
    with pytest.raises(ValueError, match="kind must be one of"):
        focused_copy(voice, "louder_copies", np.random.default_rng(0), config)


def test_each_kind_of_copy_is_cached_apart_and_numbered_after_the_others(
        monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # noqa: ANN001
    import ml.cache as cache

    # The "embedding" of a copy is its level: enough to tell the kinds apart.
    monkeypatch.setattr(cache, "embed_speech", lambda y, sr, served=False: np.array([[20 * np.log10(np.abs(y).max() + 1e-9)]]))
    monkeypatch.setattr(cache, "load_audio", lambda path: (_tone(220.0, 1.0), SAMPLE_RATE))
    monkeypatch.setattr(cache, "frontend_contract", lambda frontend: {"test": 1})
    monkeypatch.setattr(cache, "_key", lambda clips, aug, frontend, room=None, condition="clean": (
        f"{condition}-{sorted((room.to_dict() if room else {}).items())}").replace("/", "_").replace(" ", "")[:200])
    clips = _clips(10)[::3]  # one clip of each of ten speakers
    fold_of = speaker_fold_map(clips)
    bank = _bank(sorted(fold_of))
    room = RoomAugment(variants=1, p_reverb=0, p_babble=0, p_noise=0, p_band=0, p_codec=0, p_gain=0,
                       babble_copies=1, quiet_copies=2)  # fmt: skip
    fs = cache.compute_features(clips, frontend="whisper", cache_dir=tmp_path, progress=False, room=room,
                                fold_of=fold_of, babble=bank)  # fmt: skip
    for ci in range(len(clips)):
        mine = fs.clip_index == ci
        assert sorted(fs.variant[mine]) == [0, 1, 2, 3, 4]  # clip, room copy, babble copy, 2 quiet
        level = {int(v): float(fs.frames[fs.offsets[i], 0]) for i, v in zip(np.flatnonzero(mine), fs.variant[mine], strict=True)}
        assert level[3] < level[0] - 19 and level[4] < level[0] - 19  # the quiet ones
    # Switching the quiet copies off again re-extracts nothing: the rest was cached apart.
    files = sorted(p.name for p in tmp_path.iterdir())
    fewer = cache.compute_features(clips, frontend="whisper", cache_dir=tmp_path, progress=False,
                                   room=replace(room, quiet_copies=0), fold_of=fold_of, babble=bank)  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == files
    assert sorted(set(fewer.variant.tolist())) == [0, 1, 2]


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
