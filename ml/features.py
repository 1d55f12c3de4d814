"""The one feature function: per-frame acoustic features from one shared STFT, for training and serving.

Frame layout (column order is part of the model contract; ``FEATURE_NAMES`` lists it):
log-mel (64) | MFCC (40) | delta-MFCC (40) | chroma (12) | spectral contrast (7) | tonnetz (6) |
ZCR | RMS (dB) | centroid | bandwidth | rolloff | log-pitch | voicing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml.audio import SAMPLE_RATE

N_FFT = 512  # 32 ms at 16 kHz
HOP = 256  # 16 ms: half the frames of a 10-ms hop, which halves feature and model time
N_MELS = 64
N_MFCC = 40
WINDOW_FRAMES = 192  # ~3.1 s: a whole acted sentence after trimming; longer clips are windowed
WINDOW_HOP_FRAMES = 96
PITCH_FMIN, PITCH_FMAX = 60.0, 500.0

FEATURE_NAMES: tuple[str, ...] = (
    *(f"logmel_{i}" for i in range(N_MELS)),
    *(f"mfcc_{i}" for i in range(N_MFCC)),
    *(f"dmfcc_{i}" for i in range(N_MFCC)),
    *(f"chroma_{i}" for i in range(12)),
    *(f"contrast_{i}" for i in range(7)),
    *(f"tonnetz_{i}" for i in range(6)),
    "zcr", "rms_db", "centroid", "bandwidth", "rolloff", "log_pitch", "voicing",
)  # fmt: skip
N_FEATURES = len(FEATURE_NAMES)


@dataclass(frozen=True)
class FeatureConfig:
    """Feature settings stored with a model, checked at load so a model never sees other features."""

    sample_rate: int = SAMPLE_RATE
    n_fft: int = N_FFT
    hop_length: int = HOP
    n_mels: int = N_MELS
    n_mfcc: int = N_MFCC
    window_frames: int = WINDOW_FRAMES
    window_hop_frames: int = WINDOW_HOP_FRAMES
    n_features: int = N_FEATURES


_FILTERS: dict[str, np.ndarray] = {}


def _filters() -> dict[str, np.ndarray]:
    # Filter banks are pure functions of the config: build once per process, not per clip.
    if not _FILTERS:
        import librosa

        _FILTERS["mel"] = librosa.filters.mel(sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=N_MELS).astype(
            np.float32
        )
        _FILTERS["chroma"] = librosa.filters.chroma(sr=SAMPLE_RATE, n_fft=N_FFT).astype(np.float32)
        _FILTERS["freqs"] = librosa.fft_frequencies(sr=SAMPLE_RATE, n_fft=N_FFT).astype(np.float32)
        _FILTERS["window"] = librosa.filters.get_window("hann", N_FFT, fftbins=True).astype(
            np.float32
        )
    return _FILTERS


VTLP_BOUNDARY_HZ = 4800.0  # Jaitly & Hinton (2013): warp linearly below, pin Nyquist above


def vtlp_matrix(alpha: float, n_fft: int = N_FFT, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """``(bins, bins)`` matrix moving STFT content at frequency f to VTLP(f) (about ``alpha * f``).

    Vocal tract length perturbation: a longer or shorter vocal tract scales every formant by about
    the same factor. Warping the magnitude spectrum this way imitates another speaker; the
    piecewise-linear map keeps 0 Hz and Nyquist fixed, so no content leaves the band.
    """
    nyq = sample_rate / 2
    freqs = np.linspace(0.0, nyq, n_fft // 2 + 1)
    cut_out = VTLP_BOUNDARY_HZ * min(alpha, 1.0)  # where the output's linear part ends
    cut_in = cut_out / alpha
    # For each output bin, the input frequency whose content lands there (the inverse warp).
    src = np.where(freqs <= cut_out, freqs / alpha,
                   nyq - (nyq - freqs) * (nyq - cut_in) / (nyq - cut_out))  # fmt: skip
    pos = np.clip(src / nyq * (len(freqs) - 1), 0, len(freqs) - 1)
    lo = np.minimum(np.floor(pos).astype(int), len(freqs) - 2)
    frac = pos - lo
    m = np.zeros((len(freqs), len(freqs)), np.float32)
    rows = np.arange(len(freqs))
    m[rows, lo] = 1.0 - frac
    m[rows, lo + 1] += frac
    return m


def extract_features(waveform: np.ndarray, sample_rate: int = SAMPLE_RATE, *,
                     vtlp: float = 1.0, channel: np.ndarray | None = None) -> np.ndarray:
    """Return a ``(frames, N_FEATURES)`` float32 matrix for a prepared (trimmed, normalised) clip.

    ``vtlp`` != 1 warps the spectrum (:func:`vtlp_matrix`) before every spectral feature: a
    training-only augmentation; serving always uses the default 1.0. ``channel`` (per-bin
    amplitude gains, :func:`ml.augment.channel_gain`) colours the spectrum as another microphone
    would: training only too.
    """
    import librosa

    if sample_rate != SAMPLE_RATE:
        raise ValueError(f"features expect {SAMPLE_RATE} Hz audio, got {sample_rate} Hz")
    y = np.ascontiguousarray(waveform, dtype=np.float32)
    fb = _filters()
    stft = librosa.stft(y, n_fft=N_FFT, hop_length=HOP, window=fb["window"], center=True)
    mag = np.abs(stft).astype(np.float32)
    if vtlp != 1.0:
        mag = vtlp_matrix(vtlp) @ mag
    if channel is not None:
        mag = mag * channel[:, None]
    power = mag**2

    mel_db = librosa.power_to_db(fb["mel"] @ power, ref=1.0, top_db=80.0)
    mfcc = librosa.feature.mfcc(S=mel_db, n_mfcc=N_MFCC)
    # width 5 is the smallest odd window; it keeps deltas defined for 0.5-s clips (31 frames).
    d_mfcc = librosa.feature.delta(mfcc, width=5, mode="nearest")
    chroma = librosa.feature.chroma_stft(S=power, sr=SAMPLE_RATE, n_fft=N_FFT, tuning=0.0)
    contrast = librosa.feature.spectral_contrast(S=mag, sr=SAMPLE_RATE, n_fft=N_FFT)
    tonnetz = librosa.feature.tonnetz(chroma=chroma, sr=SAMPLE_RATE)
    zcr = librosa.feature.zero_crossing_rate(y, frame_length=N_FFT, hop_length=HOP, center=True)
    rms_db = librosa.amplitude_to_db(librosa.feature.rms(S=mag, frame_length=N_FFT), top_db=80.0)
    freqs = fb["freqs"]
    centroid = librosa.feature.spectral_centroid(S=mag, freq=freqs)
    bandwidth = librosa.feature.spectral_bandwidth(S=mag, freq=freqs, centroid=centroid)
    rolloff = librosa.feature.spectral_rolloff(S=mag, freq=freqs, roll_percent=0.85)
    log_pitch, voicing = _pitch(mag, freqs)

    n = min(x.shape[-1] for x in (mel_db, zcr, log_pitch))
    blocks = [
        mel_db, mfcc, d_mfcc, chroma, contrast, tonnetz, zcr, rms_db,
        centroid / 1000.0, bandwidth / 1000.0, rolloff / 1000.0, log_pitch, voicing,
    ]  # fmt: skip
    out = np.concatenate([b[..., :n].reshape(-1, n) for b in blocks], axis=0).T
    return np.ascontiguousarray(out, dtype=np.float32)


def _pitch(mag: np.ndarray, freqs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame pitch from the shared STFT (librosa.piptrack): log2 Hz (0 when unvoiced) + voicing."""
    import librosa

    pitches, mags = librosa.piptrack(
        S=mag, sr=SAMPLE_RATE, n_fft=N_FFT, fmin=PITCH_FMIN, fmax=PITCH_FMAX, threshold=0.1
    )
    best = mags.argmax(axis=0)
    cols = np.arange(mag.shape[1])
    f0 = pitches[best, cols]
    strength = mags[best, cols]
    voiced = (f0 > 0) & (strength > 0.05 * max(float(strength.max(initial=0.0)), 1e-8))
    log_f0 = np.where(voiced, np.log2(np.maximum(f0, 1.0)) - np.log2(100.0), 0.0)
    return log_f0[None, :].astype(np.float32), voiced[None, :].astype(np.float32)


def windows(features: np.ndarray, window_frames: int = WINDOW_FRAMES,
            hop_frames: int = WINDOW_HOP_FRAMES) -> tuple[np.ndarray, np.ndarray]:
    """Cut a ``(frames, F)`` matrix into fixed windows: ``(n, window, F)`` plus a ``(n, window)`` mask.

    Short clips are zero-padded (the mask tells the model which frames are real); long clips get
    overlapping windows whose predictions the caller averages.
    """
    t, f = features.shape
    starts = [0] if t <= window_frames else list(range(0, t - window_frames + 1, hop_frames))
    if t > window_frames and starts[-1] + window_frames < t:
        starts.append(t - window_frames)
    x = np.zeros((len(starts), window_frames, f), dtype=np.float32)
    mask = np.zeros((len(starts), window_frames), dtype=np.float32)
    for i, s in enumerate(starts):
        seg = features[s : s + window_frames]
        x[i, : len(seg)] = seg
        mask[i, : len(seg)] = 1.0
    return x, mask
