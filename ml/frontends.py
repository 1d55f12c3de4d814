"""Front ends: how a recording's speech windows become a model's input, and what that input
depends on. Each model family's config holds its front end (``ModelConfig.frontend``, saved by
name); what differs between them is asked of that :class:`Frontend`, not of the name."""

from __future__ import annotations

from dataclasses import asdict
from typing import Protocol

import numpy as np


class MelEmbedder(Protocol):
    """A Whisper encoder (float Keras, or the served ONNX one): log-mel in, clip embedding out."""

    def embed_mel(self, mel: np.ndarray) -> np.ndarray: ...


class Frontend(Protocol):
    """``name``: what configs store; ``tag``: the front end's word in a model version;
    ``pooled_embedding``: the head's input is one pooled encoder embedding per speech window
    (what personal adapters, the ONNX head and class means work on); ``pretrained_encoder``: a
    frozen pretrained encoder is part of the model (its architecture and licence join the model
    card's); ``room_copies``: the training copies are room/device copies of the recording
    (:mod:`ml.rooms`), not signal augmentations (:mod:`ml.augment`)."""

    name: str
    tag: str
    pooled_embedding: bool
    pretrained_encoder: bool
    room_copies: bool

    def contract(self) -> dict[str, object]:
        """What a model's input depends on: saved with the model, checked at load, part of the cache key."""
        ...

    def input_shape(self) -> tuple[int, int]:
        """``(window_frames, n_features)`` of the model's input."""
        ...

    def features(self, waveforms: list[np.ndarray]) -> list[np.ndarray]:
        """Each speech window's features (the front end's own, before any encoder)."""
        ...

    def model_input(self, feats: list[np.ndarray], window: int,
                    embedder: MelEmbedder | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(x, mask, owner)``: model input rows and the speech window each row belongs to."""
        ...


class AcousticFrontend:
    """The 176 per-frame features of :mod:`ml.features`, cut into overlapping windows for the Conv1D network."""

    name = "acoustic"
    tag = "cnn"
    pooled_embedding = False
    pretrained_encoder = False
    room_copies = False

    def contract(self) -> dict[str, object]:
        from ml.features import FeatureConfig

        return asdict(FeatureConfig())

    def input_shape(self) -> tuple[int, int]:
        from ml.features import N_FEATURES, WINDOW_FRAMES

        return WINDOW_FRAMES, N_FEATURES

    def features(self, waveforms: list[np.ndarray]) -> list[np.ndarray]:
        from ml.features import extract_features

        return [extract_features(y) for y in waveforms]

    def model_input(self, feats: list[np.ndarray], window: int,
                    embedder: MelEmbedder | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        from ml.features import windows

        cut = [windows(f, window, window // 2) for f in feats]
        x, m = np.concatenate([c[0] for c in cut]), np.concatenate([c[1] for c in cut])
        owner = np.concatenate([np.full(len(c[0]), i) for i, c in enumerate(cut)])
        return x, m, owner


class WhisperFrontend:
    """Whisper's log-mel of each speech window, pooled by the frozen encoder (:mod:`ml.whisper`)
    into one embedding: one input row (window 1, mask 1) per speech window."""

    name = "whisper"
    tag = "whisper"
    pooled_embedding = True
    pretrained_encoder = True
    room_copies = True

    def contract(self) -> dict[str, object]:
        from ml.whisper import WhisperFeatureConfig, encoder_digest

        return {**asdict(WhisperFeatureConfig()), "encoder": encoder_digest()}

    def input_shape(self) -> tuple[int, int]:
        from ml.whisper import EMBEDDING_DIM

        return 1, EMBEDDING_DIM

    def features(self, waveforms: list[np.ndarray]) -> list[np.ndarray]:
        from ml.whisper import log_mel

        return [log_mel(y) for y in waveforms]

    def model_input(self, feats: list[np.ndarray], window: int,
                    embedder: MelEmbedder | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if embedder is None:
            raise ValueError("the Whisper front end needs an encoder to embed its log-mels")
        # The frozen encoder is part of the model: its time counts as model time.
        x = np.stack([embedder.embed_mel(m) for m in feats])[:, None, :]
        return x, np.ones((len(feats), 1), np.float32), np.arange(len(feats))


ACOUSTIC = AcousticFrontend()
WHISPER = WhisperFrontend()
FRONTENDS: dict[str, Frontend] = {f.name: f for f in (ACOUSTIC, WHISPER)}


def get_frontend(name: str) -> Frontend:
    """The front end a config names; ValueError for a name no front end has."""
    if name not in FRONTENDS:
        raise ValueError(f"frontend must be one of {tuple(FRONTENDS)}, not {name!r}")
    return FRONTENDS[name]


def frontend_contract(frontend: str) -> dict[str, object]:
    """The named front end's :meth:`Frontend.contract`."""
    return get_frontend(frontend).contract()
