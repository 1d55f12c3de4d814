"""Corpus file-name parsers (RAVDESS, TESS, CREMA-D, SAVEE) and the one place emotions map to targets."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# Canonical emotion vocabulary every parser emits; label maps turn these into model targets.
EMOTIONS: tuple[str, ...] = (
    "neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised",
)  # fmt: skip
AUDIO_EXTENSIONS = frozenset({".wav", ".flac", ".ogg", ".opus", ".mp3", ".m4a", ".mp4", ".webm"})


@dataclass(frozen=True)
class Clip:
    """One labelled recording. ``speaker`` is globally unique across corpora (grouping key)."""

    path: Path
    corpus: str
    speaker: str
    emotion: str
    gender: str | None = None

    @property
    def clip_id(self) -> str:
        return f"{self.corpus}/{self.path.parent.name}/{self.path.name}"


@dataclass(frozen=True)
class LabelMap:
    """Maps canonical emotions to the model's classes; emotions mapped to ``None`` are dropped."""

    name: str
    labels: tuple[str, ...]
    mapping: Mapping[str, str | None] = field(default_factory=dict)

    def target(self, emotion: str) -> int | None:
        label = self.mapping.get(emotion, emotion if emotion in self.labels else None)
        return None if label is None else self.labels.index(label)

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "labels": list(self.labels), "mapping": dict(self.mapping)}


DEFAULT_LABELS: tuple[str, ...] = (
    "angry", "disgust", "fearful", "happy", "neutral", "sad", "surprised",
)  # fmt: skip

LABEL_MAPS: dict[str, LabelMap] = {
    # RAVDESS "calm" is acted as a low-arousal neutral; TESS "pleasant surprise" is surprise.
    "default7": LabelMap("default7", DEFAULT_LABELS, {"calm": "neutral"}),
    # The music catalogue's moods, by arousal/valence quadrant: positive-high -> happy,
    # negative-high -> energetic, negative-low -> sad, low-arousal neutral -> calm.
    "mood4": LabelMap(
        "mood4",
        ("happy", "calm", "sad", "energetic"),
        {
            "happy": "happy", "surprised": "happy", "neutral": "calm", "calm": "calm",
            "sad": "sad", "disgust": "sad", "angry": "energetic", "fearful": "energetic",
        },
    ),  # fmt: skip
    # CREMA-D's own six classes; surprise has no CREMA-D counterpart and is dropped.
    "cremad6": LabelMap(
        "cremad6",
        ("angry", "disgust", "fearful", "happy", "neutral", "sad"),
        {"calm": "neutral", "surprised": None},
    ),
}

_RAVDESS_RE = re.compile(r"^(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})$")
_RAVDESS_EMOTIONS = {
    "01": "neutral", "02": "calm", "03": "happy", "04": "sad",
    "05": "angry", "06": "fearful", "07": "disgust", "08": "surprised",
}  # fmt: skip
_TESS_RE = re.compile(r"^(?P<prefix>[A-Za-z]+)_(?P<word>[A-Za-z]+)_(?P<emotion>[A-Za-z]+)$")
_TESS_DIR_RE = re.compile(r"^(?P<speaker>OAF|YAF)_", re.IGNORECASE)
_TESS_EMOTIONS = {
    "angry": "angry", "disgust": "disgust", "fear": "fearful", "fearful": "fearful",
    "happy": "happy", "neutral": "neutral", "sad": "sad", "ps": "surprised",
}  # fmt: skip
_CREMAD_RE = re.compile(r"^(?P<actor>1\d{3})_(?P<sentence>[A-Z]{3})_(?P<emotion>[A-Z]{3})_(?P<level>[A-Z]{2})$")
_CREMAD_EMOTIONS = {
    "ANG": "angry", "DIS": "disgust", "FEA": "fearful",
    "HAP": "happy", "NEU": "neutral", "SAD": "sad",
}  # fmt: skip
_SAVEE_RE = re.compile(r"^(?:(?P<speaker>[A-Z]{2})_)?(?P<code>sa|su|a|d|f|h|n)(?P<num>\d{2})$")
_SAVEE_EMOTIONS = {
    "a": "angry", "d": "disgust", "f": "fearful", "h": "happy",
    "n": "neutral", "sa": "sad", "su": "surprised",
}  # fmt: skip


def parse_ravdess(path: str | os.PathLike[str]) -> Clip | None:
    """``03-01-EE-II-SS-RR-AA``: modality, vocal channel (01 speech), emotion, ..., actor (odd = male)."""
    p = Path(path)
    m = _RAVDESS_RE.match(p.stem)
    if not m or m.group(2) != "01" or m.group(3) not in _RAVDESS_EMOTIONS:
        return None  # song (vocal channel 02) is not speech
    actor = int(m.group(7))
    return Clip(p, "ravdess", f"RAV{actor:02d}", _RAVDESS_EMOTIONS[m.group(3)],
                "male" if actor % 2 else "female")  # fmt: skip


def parse_tess(path: str | os.PathLike[str]) -> Clip | None:
    """``<OAF|YAF>_<emotion>/<OA|YA>F_<word>_<emotion>``; the folder names the speaker reliably."""
    p = Path(path)
    m = _TESS_RE.match(p.stem)
    if not m:
        return None
    emotion = _TESS_EMOTIONS.get(m.group("emotion").lower())
    if emotion is None:
        return None
    # The folder wins: one original file (OA_bite_neutral) carries a wrong prefix in its name.
    d = _TESS_DIR_RE.match(p.parent.name)
    prefix = m.group("prefix").upper()
    if d:
        speaker = d.group("speaker").upper()
    elif prefix in {"OA", "OAF", "YA", "YAF"}:
        speaker = prefix[:2] + "F"
    else:
        return None
    return Clip(p, "tess", speaker, emotion, "female")


def parse_cremad(path: str | os.PathLike[str]) -> Clip | None:
    """``1001_DFA_ANG_XX``: actor, sentence, emotion, intensity."""
    p = Path(path)
    m = _CREMAD_RE.match(p.stem)
    if not m or m.group("emotion") not in _CREMAD_EMOTIONS:
        return None
    return Clip(p, "cremad", f"CREMA{m.group('actor')}", _CREMAD_EMOTIONS[m.group("emotion")])


def parse_savee(path: str | os.PathLike[str]) -> Clip | None:
    """``<speaker>/<a|d|f|h|n|sa|su><NN>`` (or the flat ``DC_a01`` layout of common re-uploads)."""
    p = Path(path)
    m = _SAVEE_RE.match(p.stem)
    if not m:
        return None
    speaker = m.group("speaker") or p.parent.name.upper()
    return Clip(p, "savee", f"SAVEE_{speaker}", _SAVEE_EMOTIONS[m.group("code")], "male")


PARSERS = (parse_ravdess, parse_tess, parse_cremad, parse_savee)


def parse_path(path: str | os.PathLike[str]) -> Clip | None:
    """The first corpus parser that recognises this file name, or ``None``."""
    for parser in PARSERS:
        clip = parser(path)
        if clip is not None:
            return clip
    return None


def default_data_dir() -> Path:
    """``$MOODIFY_DATA_DIR``, else ``<repo>/../shared/data``."""
    env = os.environ.get("MOODIFY_DATA_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "data"


def discover(data_dir: str | os.PathLike[str] | None = None,
             corpora: Iterable[str] | None = None) -> list[Clip]:
    """All labelled clips under ``data_dir`` (its ``speech/`` folder when present), sorted by path."""
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    if (root / "speech").is_dir():
        root = root / "speech"
    if not root.is_dir():
        raise FileNotFoundError(f"data directory {root} does not exist (set MOODIFY_DATA_DIR)")
    wanted = set(corpora) if corpora else None
    clips = []
    for dirpath, _, files in os.walk(root):
        for name in files:
            p = Path(dirpath) / name
            if p.suffix.lower() not in AUDIO_EXTENSIONS:
                continue
            clip = parse_path(p)
            if clip is not None and (wanted is None or clip.corpus in wanted):
                clips.append(clip)
    clips.sort(key=lambda c: str(c.path))
    return clips


def targets_for(clips: list[Clip], label_map: LabelMap) -> np.ndarray:
    """Target index per clip, -1 for emotions the label map drops."""
    return np.array([-1 if (t := label_map.target(c.emotion)) is None else t for c in clips])
