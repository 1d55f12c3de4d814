"""What a user's room and device do to a voice: reverberation, other voices, noise, codecs,
narrow microphones and low levels.

One set of transforms serves two purposes: training-fold augmentation (:class:`RoomAugment`,
a random chain per augmented copy) and the robustness report's fixed conditions
(:data:`CONDITIONS`). Both act on the decoded recording *before* :func:`ml.audio.prepare_speech`,
as a user's device delivers it, so voice activity, trimming and level normalisation see what
they will see in use.

Babble is made of other speakers' clips from a :class:`BabbleBank`. Who may be heard is decided
by the caller through ``allowed`` speakers: in training, voices of the same training fold; in
evaluation, voices of other folds. A held-out speaker is never mixed into its own fold.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import asdict, dataclass, replace
from typing import Any


import numpy as np

from ml.audio import SAMPLE_RATE, load_speech
from ml.datasets import Clip
from ml.errors import AudioError

BABBLE_VOICES = 6
NOISE_KINDS = ("white", "pink", "brown", "hum")
CODECS = ("opus16", "opus24", "opus32", "mp3")


@dataclass(frozen=True)
class RoomAugment:
    """Training-fold augmentation by room and device. ``variants`` copies per clip, each a random
    chain: reverberation, then other voices or noise, then a band limit, a codec and a gain, each
    with its probability; any probability 0 switches that part off."""

    variants: int = 0
    p_reverb: float = 0.5
    rt60_s: tuple[float, float] = (0.2, 1.0)
    p_babble: float = 0.35
    babble_snr_db: tuple[float, float] = (0.0, 20.0)
    p_noise: float = 0.35
    noise_snr_db: tuple[float, float] = (0.0, 25.0)
    p_band: float = 0.25
    p_codec: float = 0.3
    p_gain: float = 0.3
    gain_db: tuple[float, float] = (-40.0, 0.0)
    # Besides those: this many copies of each clip with only other voices behind it, six of the
    # clip's own fold's other speakers at babble_copy_snr_db (a cafe, an office). A clip whose
    # fold holds no other speaker (each TESS voice is a fold of its own) gets none.
    babble_copies: int = 0
    babble_copy_snr_db: float = 10.0
    # And this many copies played back quietly, ``quiet_copy_gain_db`` down and stored as 16-bit
    # (a phone on the table: what survives of a voice spanning a few bits), ...
    quiet_copies: int = 0
    quiet_copy_gain_db: tuple[float, float] = (-45.0, -20.0)
    # ... and this many in a room only (RT60 drawn from ``rt60_s``, no voices or noise).
    reverb_copies: int = 0

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        # A kind of copy that is off leaves its settings out: the settings (and feature caches) of
        # configs from before it existed stay as they were.
        for count, *settings in COPY_SETTINGS:
            if not d[count]:
                for k in (count, *settings):
                    del d[k]
        return d

    @property
    def copy_kinds(self) -> list[str]:
        """The kinds of focused copy (:data:`COPY_SETTINGS` counts) that are on, in variant order."""
        return [count for count, *_ in COPY_SETTINGS if getattr(self, count)]

    def only_copies(self, kind: str | None) -> RoomAugment:
        """These settings with every kind of focused copy but ``kind`` (a COPY_SETTINGS count;
        None: all of them) off."""
        off: dict[str, Any] = {count: 0 for count, *_ in COPY_SETTINGS if count != kind}
        return replace(self, **off)

    def copies_before(self, kind: str) -> int:
        """How many variants come before the first copy of ``kind``: the clip, its room/device
        copies and the focused copies of the kinds listed before it."""
        n = self.variants + 1
        for count, *_ in COPY_SETTINGS:
            if count == kind:
                return n
            n += getattr(self, count)
        raise ValueError(f"unknown kind of copy {kind!r}")

    @classmethod
    def from_dict(cls, d: dict[str, object] | None) -> RoomAugment:
        d = {k: tuple(v) if isinstance(v, list) else v for k, v in (d or {}).items()
             if k in cls.__dataclass_fields__}  # fmt: skip
        return cls(**d)  # type: ignore[arg-type]


# The focused copies besides the room/device chains: (count field, its settings), in variant order.
COPY_SETTINGS: tuple[tuple[str, ...], ...] = (
    ("babble_copies", "babble_copy_snr_db"),
    ("quiet_copies", "quiet_copy_gain_db"),
    ("reverb_copies",),
)


# ----------------------------------------------------------------------------- transforms


def _rms(y: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(y, dtype=np.float64)))) + 1e-12


def _active_rms(y: np.ndarray) -> float:
    """Level of the loud (speech) part: RMS of the 32-ms frames within 30 dB of the loudest."""
    n = max(1, len(y) // 512)
    frames = y[: n * 512].reshape(n, -1) if len(y) >= 512 else y[None, :]
    e = np.mean(np.square(frames, dtype=np.float64), axis=1)
    return float(np.sqrt(e[e >= e.max() * 1e-3].mean())) + 1e-12


def mix_at_snr(y: np.ndarray, interference: np.ndarray, snr_db: float) -> np.ndarray:
    """``y`` plus ``interference`` (looped or cut to length) at ``snr_db`` below the speech."""
    reps = int(np.ceil(len(y) / max(len(interference), 1)))
    z = np.tile(interference, reps)[: len(y)]
    z = z * (_active_rms(y) / _rms(z) / 10 ** (snr_db / 20))
    return (y + z).astype(np.float32)


def noise(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Stationary noise: white, pink (1/f), brown (1/f^2) or mains hum (50/60 Hz + harmonics)."""
    if kind == "hum":
        f0 = 50.0 if rng.random() < 0.5 else 60.0
        t = np.arange(n) / SAMPLE_RATE
        z = sum(rng.uniform(0.2, 1.0) / k * np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6.3))
                for k in range(1, 8))  # fmt: skip
        return (np.asarray(z) + 0.02 * rng.standard_normal(n)).astype(np.float32)
    white = rng.standard_normal(n)
    if kind == "white":
        return white.astype(np.float32)
    power = {"pink": 1.0, "brown": 2.0}[kind]
    spec = np.fft.rfft(white)
    f = np.maximum(np.fft.rfftfreq(n, 1 / SAMPLE_RATE), 20.0)
    return np.fft.irfft(spec / f ** (power / 2), n).astype(np.float32)


def room_impulse_response(rt60_s: float, rng: np.random.Generator, *, drr_db: float = 0.0) -> np.ndarray:
    """A synthetic room impulse response: a direct path, then exponentially decaying diffuse
    noise reaching -60 dB at ``rt60_s`` (Schroeder's model), darker as it decays, with the
    direct-to-reverberant energy ratio ``drr_db`` (0 dB: a laptop a metre or two away)."""
    n = int(rt60_s * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    tail = rng.standard_normal(n) * np.exp(-6.9078 * t / rt60_s)
    # Walls absorb high frequencies first: a one-pole low-pass whose cut-off falls over time.
    from scipy.signal import lfilter

    tail = 0.5 * lfilter([0.5], [1, -0.5], tail) + 0.5 * tail * np.exp(-3 * t / rt60_s)
    tail[: int(0.002 * SAMPLE_RATE)] = 0.0  # first reflections arrive after the direct sound
    tail *= np.sqrt(10 ** (-drr_db / 10) / (np.sum(tail**2) + 1e-12))
    tail[0] = 1.0
    return tail.astype(np.float32)


def reverberate(y: np.ndarray, rir: np.ndarray) -> np.ndarray:
    from scipy.signal import fftconvolve

    out = fftconvolve(y, rir)[: len(y) + len(rir) // 2]
    return (out * (_rms(y) / _rms(out))).astype(np.float32)


def band_limit(y: np.ndarray, low_hz: float, high_hz: float) -> np.ndarray:
    """A narrow microphone or a Bluetooth/telephone-band link, at the same sample rate."""
    from scipy.signal import butter, sosfilt

    sos = butter(4, [low_hz, min(high_hz, SAMPLE_RATE / 2 - 100)], btype="bandpass",
                 fs=SAMPLE_RATE, output="sos")  # fmt: skip
    return sosfilt(sos, y).astype(np.float32)


def codec_round_trip(y: np.ndarray, codec: str) -> np.ndarray:
    """Encode and decode with ffmpeg as a browser or phone would: Opus at 16/24/32 kbit/s, or MP3."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise RuntimeError("ffmpeg is needed for codec round trips")
    if codec.startswith("opus"):
        enc = ["-c:a", "libopus", "-b:a", f"{codec[4:]}k", "-f", "ogg"]
    elif codec == "mp3":
        enc = ["-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3"]
    else:
        raise ValueError(f"codec must be one of {CODECS}, not {codec!r}")
    raw = ["-f", "f32le", "-ar", str(SAMPLE_RATE), "-ac", "1"]
    base = [ffmpeg, "-nostdin", "-hide_banner", "-v", "error"]
    coded = subprocess.run([*base, *raw, "-i", "pipe:0", *enc, "pipe:1"],
                           input=np.asarray(y, "<f4").tobytes(), capture_output=True, check=True).stdout
    out = subprocess.run([*base, "-i", "pipe:0", *raw, "pipe:1"], input=coded, capture_output=True,
                         check=True).stdout  # fmt: skip
    return np.frombuffer(out, "<f4").copy()


def quantise_16bit(y: np.ndarray) -> np.ndarray:
    """What a 16-bit recording keeps of a (possibly very quiet) signal."""
    return (np.round(np.clip(y, -1, 1) * 32767) / 32767).astype(np.float32)


# ----------------------------------------------------------------------------- babble


class BabbleBank:
    """Trimmed clips of every speaker, for mixing other people's voices behind a speaker. Loaded
    on first use: a run whose features are all cached never decodes them."""

    def __init__(self, clips: list[Clip], *, per_speaker: int = 24, seed: int = 0) -> None:
        self._clips, self._per_speaker, self._seed = clips, per_speaker, seed
        self._voices: dict[str, list[np.ndarray]] | None = None

    @property
    def voices(self) -> dict[str, list[np.ndarray]]:
        if self._voices is None:
            self._voices = self._load(self._clips, self._per_speaker, self._seed)
        return self._voices

    @voices.setter
    def voices(self, value: dict[str, list[np.ndarray]]) -> None:
        self._voices = value

    @staticmethod
    def _load(clips: list[Clip], per_speaker: int, seed: int) -> dict[str, list[np.ndarray]]:
        rng = np.random.default_rng(seed)
        by_speaker: dict[str, list[Clip]] = {}
        for c in clips:
            by_speaker.setdefault(c.speaker, []).append(c)
        voices: dict[str, list[np.ndarray]] = {}
        for spk, cs in sorted(by_speaker.items()):
            pick = rng.choice(len(cs), size=min(per_speaker, len(cs)), replace=False)
            loaded = []
            for i in sorted(pick):
                try:
                    loaded.append(load_speech(cs[int(i)].path).waveform.astype(np.float16))
                except AudioError:
                    continue
            voices[spk] = loaded
        return voices

    def babble(self, n_samples: int, allowed: list[str], rng: np.random.Generator,
               voices: int = BABBLE_VOICES) -> np.ndarray:
        """``voices`` talkers drawn from ``allowed`` speakers, summed, each looped to length."""
        pool = [s for s in allowed if self.voices.get(s)]
        if not pool:
            raise ValueError("no allowed speaker to make babble from")
        out = np.zeros(n_samples, np.float32)
        for _ in range(voices):
            spk = pool[int(rng.integers(len(pool)))]
            clip = self.voices[spk][int(rng.integers(len(self.voices[spk])))].astype(np.float32)
            start = int(rng.integers(len(clip)))
            talk = np.tile(np.roll(clip, -start), int(np.ceil(n_samples / len(clip))))[:n_samples]
            out += talk / _rms(talk)
        return out


# ----------------------------------------------------------------------------- chains


def degrade(y: np.ndarray, seed: int, config: RoomAugment, *, babble: BabbleBank | None = None,
            allowed: list[str] | None = None) -> np.ndarray:
    """One random room/device chain (see :class:`RoomAugment`), deterministic in ``seed``."""
    rng = np.random.default_rng(seed)
    out = np.asarray(y, np.float32)
    if rng.random() < config.p_reverb:
        rt60 = float(rng.uniform(*config.rt60_s))
        out = reverberate(out, room_impulse_response(rt60, rng, drr_db=float(rng.uniform(-3, 9))))
    r = rng.random()
    if r < config.p_babble and babble is not None and allowed:
        out = mix_at_snr(out, babble.babble(len(out), allowed, rng), float(rng.uniform(*config.babble_snr_db)))
    elif r < config.p_babble + config.p_noise:
        kind = NOISE_KINDS[int(rng.integers(len(NOISE_KINDS)))]
        out = mix_at_snr(out, noise(kind, len(out), rng), float(rng.uniform(*config.noise_snr_db)))
    if rng.random() < config.p_band:
        out = band_limit(out, float(rng.uniform(100, 300)), float(rng.uniform(3400, 7000)))
    peak = float(np.max(np.abs(out), initial=0.0))
    if peak > 0.99:
        out = out * (0.99 / peak)
    if rng.random() < config.p_codec:
        out = codec_round_trip(out, CODECS[int(rng.integers(len(CODECS)))])
    if rng.random() < config.p_gain:
        out = quantise_16bit(out * 10 ** (float(rng.uniform(*config.gain_db)) / 20))
    return out


def focused_copy(y: np.ndarray, kind: str, rng: np.random.Generator, config: RoomAugment, *,
                 babble: BabbleBank | None = None, allowed: list[str] | None = None) -> np.ndarray:
    """One copy of one kind (a :data:`COPY_SETTINGS` count): six voices behind the speaker, the
    speaker played back quietly and stored as 16-bit, or the speaker in a reverberant room."""
    if kind == "babble_copies":
        if babble is None or not allowed:
            raise ValueError("babble copies need a BabbleBank and allowed speakers")
        return mix_at_snr(y, babble.babble(len(y), allowed, rng), config.babble_copy_snr_db)
    if kind == "quiet_copies":
        return quantise_16bit(np.asarray(y, np.float32) * 10 ** (float(rng.uniform(*config.quiet_copy_gain_db)) / 20))
    if kind == "reverb_copies":
        rt60 = float(rng.uniform(*config.rt60_s))
        return reverberate(np.asarray(y, np.float32), room_impulse_response(rt60, rng, drr_db=float(rng.uniform(-3, 9))))
    raise ValueError(f"kind must be one of {[c for c, *_ in COPY_SETTINGS]}, not {kind!r}")


@dataclass(frozen=True)
class Condition:
    """A fixed way a user's device delivers a recording, for the robustness report."""

    name: str
    description: str


CONDITIONS: dict[str, Condition] = {c.name: c for c in (
    Condition("clean", "as recorded"),
    Condition("opus24", "browser Opus at 24 kbit/s"),
    Condition("babble10", "six voices of other folds' speakers 10 dB below the speaker (cafe, office)"),
    Condition("babble5", "six voices of other folds' speakers 5 dB below the speaker"),
    Condition("white10", "white noise 10 dB below the speaker"),
    Condition("reverb", "a reverberant room (RT60 0.5-0.9 s, direct-to-reverberant 0-3 dB)"),
    Condition("quiet30", "30 dB quieter than the original, stored as 16-bit"),
    Condition("long", "5 clips of one speaker and emotion joined (RAVDESS 15-20 s)"),
    Condition("served", "as recorded, embedded by the served int8 encoder (ONNX Runtime) instead of the float one"),
)}  # fmt: skip


def apply_condition(y: np.ndarray, name: str, seed: int, *, babble: BabbleBank | None = None,
                    allowed: list[str] | None = None) -> np.ndarray:
    """``y`` as condition ``name`` delivers it ("long" is made by joining clips, not here)."""
    rng = np.random.default_rng(seed)
    if name in ("clean", "served"):  # "served" changes the encoder, not the audio (ml.cache)
        return y
    if name == "opus24":
        return codec_round_trip(y, "opus24")
    if name in ("babble10", "babble5"):
        if babble is None or not allowed:
            raise ValueError("babble conditions need a BabbleBank and allowed speakers")
        return mix_at_snr(y, babble.babble(len(y), allowed, rng), float(name[6:]))
    if name == "white10":
        return mix_at_snr(y, noise("white", len(y), rng), 10.0)
    if name == "reverb":
        rir = room_impulse_response(float(rng.uniform(0.5, 0.9)), rng, drr_db=float(rng.uniform(0, 3)))
        return reverberate(y, rir)
    if name == "quiet30":
        return quantise_16bit(y * 10 ** (-30 / 20))
    raise ValueError(f"condition must be one of {tuple(CONDITIONS)}, not {name!r}")




