"""Keras models: Conv1D blocks over per-frame features with masked attentive-statistics pooling
("acoustic" front end), or a dense head over the frozen Whisper encoder's clip embedding
("whisper" front end, :mod:`ml.whisper`).

Weights are saved as ``.weights.h5`` and the graph is rebuilt from :class:`ModelConfig` in code,
so loading never deserialises arbitrary Python from a file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from ml.features import N_FEATURES, WINDOW_FRAMES
from ml.frontends import get_frontend


@dataclass(frozen=True)
class ModelConfig:
    # "acoustic": the 176 per-frame features of ml.features into the Conv1D network below;
    # "whisper": one clip embedding from the frozen Whisper encoder (window_frames 1, n_features
    # ml.whisper.EMBEDDING_DIM) into a dense head. Configs saved before it existed are acoustic.
    frontend: str = "acoustic"
    n_features: int = N_FEATURES
    window_frames: int = WINDOW_FRAMES
    n_classes: int = 7
    filters: tuple[int, ...] = (64, 128, 128)
    kernels: tuple[int, ...] = (5, 5, 3)
    pools: tuple[int, ...] = (2, 2, 1)
    conv_dropout: float = 0.2
    dense_units: int = 128
    dense_dropout: float = 0.4
    attention_units: int = 64
    spec_time_masks: int = 2
    spec_time_width: int = 20
    spec_feature_masks: int = 2
    spec_feature_width: int = 12
    input_noise: float = 0.0
    # Cepstral mean normalisation per utterance on the first `utterance_cmn` feature columns
    # (log-mel + MFCC = 104): removes microphone/channel colouring, keeps pitch and energy.
    utterance_cmn: int = 0
    # Utterance-relative copies of the first `relative_features` columns (each minus its mean over
    # the utterance's real frames) concatenated to the absolute ones: the network sees both how
    # high or loud a voice is and how it moves against its own level, a per-clip stand-in for
    # speaker normalisation that needs no other recording of the speaker.
    relative_features: int = 0
    # Bidirectional GRU (units per direction) over the convolved frames before pooling, so the
    # pooled embedding sees contours longer than the convolutions' receptive field; 0 = off.
    recurrent_units: int = 0
    # Networks trained independently (seeds seed, seed+1, ...) whose logits are averaged; all
    # live in one Keras graph, so serving calls one model whatever the number.
    members: int = 1
    # Per-member architecture overrides (ModelConfig fields), member i taking entry i; members
    # past the end use this config as it is. Different members make a more diverse ensemble.
    member_overrides: tuple[dict[str, Any], ...] = ()
    # Whisper head: dropout on the standardised embedding, then a hidden layer of `head_units`
    # (0 = a linear classifier straight on the embedding).
    embedding_dropout: float = 0.5
    head_units: int = 0
    extra: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        get_frontend(self.frontend)  # an unknown name is refused here

    @classmethod
    def whisper(cls, **kwargs: Any) -> ModelConfig:
        """A config for the Whisper front end, its input shape filled in."""
        window_frames, n_features = get_frontend("whisper").input_shape()
        return cls(frontend="whisper", n_features=n_features, window_frames=window_frames, **kwargs)

    def member(self, i: int) -> ModelConfig:
        """The single-network config of ensemble member ``i``."""
        over = self.member_overrides[i] if i < len(self.member_overrides) else {}
        return ModelConfig.from_dict({**self.to_dict(), **over, "members": 1, "member_overrides": ()})

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> ModelConfig:
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        for k in ("filters", "kernels", "pools"):
            if k in known:
                known[k] = tuple(known[k])  # type: ignore[arg-type]
        if "member_overrides" in known:
            known["member_overrides"] = tuple(dict(o) for o in known["member_overrides"])  # type: ignore[attr-defined]
        return cls(**known)  # type: ignore[arg-type]


def build_model(config: ModelConfig, mean: np.ndarray | None = None,
                variance: np.ndarray | None = None):  # noqa: ANN201 - keras.Model
    """Inputs ``features (B, T, F)`` and ``mask (B, T)``; output: class logits (softmax is applied
    after temperature scaling, so the model itself stays uncalibrated)."""
    import keras
    from keras import layers

    if config.members > 1:
        return _build_ensemble(config, mean, variance)
    mean = np.zeros(config.n_features, np.float32) if mean is None else mean
    variance = np.ones(config.n_features, np.float32) if variance is None else variance
    x_in = keras.Input((config.window_frames, config.n_features), name="features")
    m_in = keras.Input((config.window_frames,), name="mask")
    m = layers.Reshape((config.window_frames, 1))(m_in)
    x = layers.Normalization(mean=mean, variance=variance, name="standardise")(x_in)
    # Padding frames must look like "no information" (0 = training mean) after standardising.
    x = layers.Multiply()([x, m])
    if get_frontend(config.frontend).pooled_embedding:
        return keras.Model([x_in, m_in], _head(config, x), name="moodify_ser")
    if config.utterance_cmn:
        x = UtteranceCMN(config.utterance_cmn, name="utterance_cmn")([x, m])
    if config.relative_features:
        rel = UtteranceCMN(config.relative_features, name="relative")([x, m])
        cols = layers.Lambda(lambda t: t[..., : config.relative_features])(rel)
        x = layers.Concatenate(name="absolute_relative")([x, cols])
    x = SpecAugment(config, name="spec_augment")(x)
    if config.input_noise:
        x = layers.GaussianNoise(config.input_noise)(x)
    for i, (f, k, p) in enumerate(zip(config.filters, config.kernels, config.pools, strict=True)):
        x = layers.Conv1D(f, k, padding="same", use_bias=False, name=f"conv{i}")(x)
        x = layers.BatchNormalization(name=f"bn{i}")(x)
        x = layers.Activation("relu")(x)
        if p > 1:
            x = layers.MaxPooling1D(p, padding="same")(x)
            m = layers.MaxPooling1D(p, padding="same")(m)
        x = layers.Dropout(config.conv_dropout)(x)
    if config.recurrent_units:
        x = layers.Bidirectional(layers.GRU(config.recurrent_units, return_sequences=True),
                                 name="bigru")(x, mask=layers.Lambda(lambda t: t[..., 0] > 0.5)(m))
    x = AttentiveStatsPooling(config.attention_units, name="attention_pool")([x, m])
    x = layers.Dense(config.dense_units, activation="relu", name="dense")(x)
    x = layers.Dropout(config.dense_dropout)(x)
    logits = layers.Dense(config.n_classes, name="logits")(x)
    return keras.Model([x_in, m_in], logits, name="moodify_ser")


def _head(config: ModelConfig, x):  # noqa: ANN001, ANN202
    """Logits from a standardised clip embedding: the model's input is one "frame" per clip (mask
    1), the same inputs as the Conv1D network, so training, evaluation, ensembling and serving
    share their code."""
    from keras import layers

    x = layers.Flatten()(x)
    x = layers.Dropout(config.embedding_dropout)(x)
    if config.head_units:
        x = layers.Dense(config.head_units, activation="gelu", name="dense")(x)
        x = layers.Dropout(config.dense_dropout)(x)
    return layers.Dense(config.n_classes, name="logits")(x)


def _build_ensemble(config: ModelConfig, mean: np.ndarray | None,
                    variance: np.ndarray | None):  # noqa: ANN202 - keras.Model
    import keras
    from keras import layers

    x_in = keras.Input((config.window_frames, config.n_features), name="features")
    m_in = keras.Input((config.window_frames,), name="mask")
    outs = []
    for i in range(config.members):
        net = build_model(config.member(i), mean, variance)
        net.name = f"member{i}"
        outs.append(net([x_in, m_in]))
    return keras.Model([x_in, m_in], layers.Average(name="mean_logits")(outs), name="moodify_ser")


def assemble_ensemble(config: ModelConfig, members: list, mean: np.ndarray,  # noqa: ANN201
                      variance: np.ndarray):
    """One model averaging the logits of separately trained single networks."""
    ens = build_model(replace(config, members=len(members)), mean, variance)
    for i, net in enumerate(members):
        ens.get_layer(f"member{i}").set_weights(net.get_weights())
    return ens


def speaker_adversary(model, n_speakers: int):  # noqa: ANN001, ANN201
    """A training-only model: ``model``'s logits plus speaker logits from its pooled embedding
    behind gradient reversal. Returns ``(trainer, reversal_layer)``; set ``reversal_layer.scale``."""
    import keras
    from keras import layers

    if not any(layer.name == "attention_pool" for layer in model.layers):
        raise ValueError("speaker-adversarial training needs the acoustic network's pooled embedding")
    emb = model.get_layer("attention_pool").output
    reversal = GradientReversal(name="gradient_reversal")
    h = layers.Dense(128, activation="relu", name="speaker_hidden")(reversal(emb))
    speaker_logits = layers.Dense(n_speakers, name="speaker_logits")(h)
    return keras.Model(model.inputs, [model.output, speaker_logits]), reversal


# The Keras layer classes are defined on first use, so that importing ml.model does not import
# TensorFlow: one function per layer, each returning its class.


def _spec_augment():  # noqa: ANN202
    import keras
    from keras import ops

    class _SpecAugment(keras.layers.Layer):
        """SpecAugment-style time and feature masking, active only while training."""

        def __init__(self, config: ModelConfig, **kwargs: object) -> None:
            super().__init__(**kwargs)
            self.cfg = config

        def _mask(self, x, axis: int, n: int, width: int):  # noqa: ANN001, ANN202
            shape = ops.shape(x)
            size = shape[axis]
            pos = ops.arange(size, dtype="float32")
            keep = ops.ones_like(x)
            for _ in range(n):
                w = keras.random.uniform((shape[0], 1), 0, width + 1)
                start = keras.random.uniform((shape[0], 1)) * ops.maximum(
                    ops.cast(size, "float32") - w, 1.0
                )
                hit = ops.logical_and(pos[None, :] >= start, pos[None, :] < start + ops.floor(w))
                hit = ops.cast(hit, "float32")
                hit = hit[:, :, None] if axis == 1 else hit[:, None, :]
                keep = keep * (1.0 - hit)
            return x * keep

        def call(self, x, training=None):  # noqa: ANN001, ANN201
            if not training:
                return x
            x = self._mask(x, 1, self.cfg.spec_time_masks, self.cfg.spec_time_width)
            return self._mask(x, 2, self.cfg.spec_feature_masks, self.cfg.spec_feature_width)

    return _SpecAugment


def _attentive_stats_pooling():  # noqa: ANN202
    import keras
    from keras import ops

    class _AttentiveStatsPooling(keras.layers.Layer):
        """Attention-weighted mean and standard deviation over the real (unmasked) frames."""

        def __init__(self, units: int, **kwargs: object) -> None:
            super().__init__(**kwargs)
            self.hidden = keras.layers.Dense(units, activation="tanh")
            self.score = keras.layers.Dense(1)
            # A recurrent layer before it attaches a Keras mask; the explicit mask input already
            # carries it, and nothing after pooling is per frame.
            self.supports_masking = True

        def compute_mask(self, inputs, mask=None):  # noqa: ANN001, ANN201
            return None

        def build(self, input_shape):  # noqa: ANN001, ANN201
            h_shape = input_shape[0]
            self.hidden.build(h_shape)
            self.score.build((*h_shape[:-1], self.hidden.units))

        def call(self, inputs):  # noqa: ANN001, ANN201
            h, m = inputs
            e = self.score(self.hidden(h))
            e = e + (1.0 - m) * -1e9
            a = ops.softmax(e, axis=1)
            mean = ops.sum(a * h, axis=1)
            var = ops.sum(a * ops.square(h), axis=1) - ops.square(mean)
            return ops.concatenate([mean, ops.sqrt(ops.maximum(var, 1e-6))], axis=-1)

    return _AttentiveStatsPooling


def _utterance_cmn():  # noqa: ANN202
    import keras
    from keras import ops

    class _UtteranceCMN(keras.layers.Layer):
        """Subtract each utterance's mean (over real frames) from the first ``n`` features."""

        def __init__(self, n: int, **kwargs: object) -> None:
            super().__init__(**kwargs)
            self.n = n

        def call(self, inputs):  # noqa: ANN001, ANN201
            x, m = inputs
            mean = ops.sum(x * m, axis=1, keepdims=True) / ops.maximum(
                ops.sum(m, axis=1, keepdims=True), 1.0)
            cols = ops.cast(ops.arange(ops.shape(x)[-1]) < self.n, x.dtype)
            return x - mean * cols * m

    return _UtteranceCMN


def _gradient_reversal():  # noqa: ANN202
    import keras

    class _GradientReversal(keras.layers.Layer):
        """Identity forward; multiplies the gradient by ``-scale`` backward."""

        def __init__(self, **kwargs: object) -> None:
            super().__init__(**kwargs)
            self.scale = keras.Variable(0.0, trainable=False, name="scale")

        def call(self, x):  # noqa: ANN001, ANN201
            import tensorflow as tf

            scale = tf.convert_to_tensor(self.scale)

            @tf.custom_gradient
            def reverse(t):  # noqa: ANN001, ANN202
                return tf.identity(t), lambda dy: -scale * dy

            return reverse(x)

    return _GradientReversal


def SpecAugment(config: ModelConfig, **kwargs: object):  # noqa: ANN201, N802
    return _spec_augment()(config, **kwargs)


def AttentiveStatsPooling(units: int, **kwargs: object):  # noqa: ANN201, N802
    return _attentive_stats_pooling()(units, **kwargs)


def UtteranceCMN(n: int, **kwargs: object):  # noqa: ANN201, N802
    return _utterance_cmn()(n, **kwargs)


def GradientReversal(**kwargs: object):  # noqa: ANN201, N802
    return _gradient_reversal()(**kwargs)
