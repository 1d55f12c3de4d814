"""Waveform augmentation for training folds only: pitch shift, time stretch, speed, noise.

Each augmented variant is a deterministic function of (clip id, variant index), so cached variants
are reproducible; the fold builder in :mod:`ml.folds` decides which variants a fold may use.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from ml.audio import SAMPLE_RATE
from ml.features import N_FFT


@dataclass(frozen=True)
class AugmentConfig:
    """Training-fold augmentation. The defaults are the shipped model's (variant E in its card)."""

    variants: int = 3
    pitch_semitones: float = 2.0
    stretch: float = 0.12
    speed: float = 0.08
    snr_db: tuple[float, float] = (12.0, 30.0)
    p_pitch: float = 0.6
    p_stretch: float = 0.5
    p_speed: float = 0.3
    p_noise: float = 0.6
    # Vocal tract length perturbation (a feature-side spectral warp, ml.features.vtlp_matrix):
    # factor drawn from 1 +- vtlp with probability p_vtlp; 0 = off.
    vtlp: float = 0.12
    p_vtlp: float = 0.8
    # Microphone/room colouring (a feature-side random EQ, ml.augment.channel_gain): a smooth
    # gain curve over log-frequency of up to +-channel_db dB, sometimes band-limited as cheap
    # microphones and codecs are, with probability p_channel; 0 = off. Configs saved before it
    # existed load with 0 (TrainConfig.from_dict).
    channel_db: float = 8.0
    p_channel: float = 0.7


def variant_seed(clip_id: str, variant: int) -> int:
    digest = hashlib.sha256(f"{clip_id}#{variant}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def vtlp_factor(seed: int, config: AugmentConfig = AugmentConfig()) -> float:
    """The VTLP warp factor of one augmented variant (1.0 = no warp); deterministic in ``seed``."""
    # Its own stream (seed + 1), so turning VTLP on leaves the waveform augmentations unchanged.
    rng = np.random.default_rng(seed + 1)
    if config.vtlp <= 0 or rng.random() >= config.p_vtlp:
        return 1.0
    return float(rng.uniform(1 - config.vtlp, 1 + config.vtlp))


def channel_gain(seed: int, config: AugmentConfig = AugmentConfig(), n_fft: int = N_FFT,
                 sample_rate: int = SAMPLE_RATE) -> np.ndarray | None:
    """Per-STFT-bin amplitude gains imitating another microphone and room, or None (no change).

    A random spectral tilt plus three cosine ripples over log-frequency (peak +-``channel_db``
    dB), and with some probability a high-pass (80-300 Hz) or low-pass (3.5-7 kHz) roll-off.
    Deterministic in ``seed``; its own random stream (seed + 2), so turning it on leaves the
    other augmentations of a variant unchanged.
    """
    rng = np.random.default_rng(seed + 2)
    if config.channel_db <= 0 or rng.random() >= config.p_channel:
        return None
    freqs = np.maximum(np.linspace(0.0, sample_rate / 2, n_fft // 2 + 1), 1.0)  # 1 Hz: no log(0)
    u = np.log2(np.maximum(freqs, 50.0) / 50.0) / np.log2(sample_rate / 2 / 50.0)  # 0..1
    db = rng.uniform(-1, 1) * config.channel_db * (u - 0.5)
    for k in (1, 2, 3):
        db += rng.uniform(-0.5, 0.5) * config.channel_db * np.cos(np.pi * k * u + rng.uniform(0, 2 * np.pi))
    if rng.random() < 0.3:
        cut = rng.uniform(80.0, 300.0)
        db -= 12.0 * np.maximum(0.0, np.log2(cut / freqs))
    if rng.random() < 0.3:
        cut = rng.uniform(3500.0, 7000.0)
        db -= 24.0 * np.maximum(0.0, np.log2(freqs / cut))
    return (10.0 ** (db / 20.0)).astype(np.float32)


def augment(y: np.ndarray, seed: int, config: AugmentConfig = AugmentConfig()) -> np.ndarray:
    """Return an augmented copy of a prepared (trimmed, normalised) 16-kHz waveform."""
    import librosa

    rng = np.random.default_rng(seed)
    out = y.astype(np.float32, copy=True)
    if rng.random() < config.p_pitch:
        steps = float(rng.uniform(-config.pitch_semitones, config.pitch_semitones))
        out = librosa.effects.pitch_shift(out, sr=SAMPLE_RATE, n_steps=steps, res_type="soxr_hq")
    if rng.random() < config.p_stretch:
        rate = float(rng.uniform(1 - config.stretch, 1 + config.stretch))
        out = librosa.effects.time_stretch(out, rate=rate)
    if rng.random() < config.p_speed:
        # Speed perturbation (pitch and tempo together), as in Kaldi recipes: a cheap resample.
        factor = float(rng.uniform(1 - config.speed, 1 + config.speed))
        out = librosa.resample(out, orig_sr=SAMPLE_RATE, target_sr=int(SAMPLE_RATE / factor),
                               res_type="soxr_hq")  # fmt: skip
    if rng.random() < config.p_noise:
        snr = float(rng.uniform(*config.snr_db))
        noise = rng.standard_normal(len(out)).astype(np.float32)
        if rng.random() < 0.5:
            # Pink-ish noise (integrated white noise, high-passed) resembles room/fan noise.
            noise = np.cumsum(noise)
            noise -= np.convolve(noise, np.ones(64) / 64, mode="same")
        sig = float(np.sqrt(np.mean(out**2)) + 1e-8)
        noise *= sig / (float(np.sqrt(np.mean(noise**2))) + 1e-8) / (10 ** (snr / 20))
        out = out + noise
    return np.clip(out, -1.0, 1.0).astype(np.float32, copy=False)
