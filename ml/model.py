"""Keras models: Conv1D blocks over per-frame features with masked attentive-statistics pooling
("acoustic" front end), or a dense head over the frozen Whisper encoder's clip embedding
("whisper" front end, :mod:`ml.whisper`).

Weights are saved as ``.weights.h5`` and the graph is rebuilt in code from the model family's
config (:class:`AcousticModelConfig`, :class:`WhisperHeadConfig`), so loading never deserialises
arbitrary Python from a file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, ClassVar, Self, cast

import numpy as np

from ml.features import N_FEATURES, WINDOW_FRAMES
from ml.frontends import ACOUSTIC, WHISPER, Frontend, get_frontend


# The version of the saved config format (``config.json``, a report's ``train_config``): 1 held
# every model family's fields side by side (and older ones fewer: no "frontend" = acoustic);
# 2 holds the front end's name and its family's own fields.
CONFIG_FORMAT = 2


def config_format(saved: dict[str, Any]) -> int:
    """The format of a saved config (1 where unmarked); ValueError for one newer than this code."""
    found = int(saved.get("config_format", 1))
    if found > CONFIG_FORMAT:
        raise ValueError(f"config format {found} is newer than this code reads (up to {CONFIG_FORMAT}); "
                         "update Moodify to load this model")
    return found


@dataclass(frozen=True)
class ModelConfig:
    """What every model family's config holds: its input shape (``window_frames`` rows of
    ``n_features``), its classes and free-form ``extra`` notes. A family
    (:class:`AcousticModelConfig`, :class:`WhisperHeadConfig`) names its front end and adds the
    fields of its own network; :meth:`from_dict` reads a saved one of any format."""

    frontend: ClassVar[Frontend]
    n_features: int
    window_frames: int
    n_classes: int = 7
    extra: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not hasattr(self, "frontend"):
            raise TypeError("ModelConfig is the model families' base: build an AcousticModelConfig "
                            "or a WhisperHeadConfig")

    @property
    def members(self) -> int:
        """Networks averaged in the model: one, unless the family makes ensembles."""
        return 1

    def member(self, i: int) -> ModelConfig:
        """The single-network config of ensemble member ``i``."""
        return self

    def to_dict(self) -> dict[str, object]:
        """The front end's name, then this family's own fields (config format 2)."""
        return {"frontend": self.frontend.name, **asdict(self)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Self:
        """The family config ``d`` describes, in any format: its front end's family reads the
        fields it has and leaves the rest (format 1 held every family's fields); a config saved
        before front ends existed (no "frontend") is acoustic. ValueError for an unknown front end."""
        family = FAMILIES[get_frontend(d.get("frontend", ACOUSTIC.name))]
        if not issubclass(family, cls):
            raise ValueError(f"{cls.__name__} cannot hold a {family.frontend.name} model config")
        names = {f.name for f in fields(family)}
        known: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in d.items() if k in names}
        return cast(Self, family(**known))


@dataclass(frozen=True)
class AcousticModelConfig(ModelConfig):
    """The 176 per-frame features of ml.features into Conv1D blocks, attentive pooling and a dense
    layer (retired variant H; kept for research and for reading its models)."""

    frontend: ClassVar[Frontend] = ACOUSTIC
    n_features: int = N_FEATURES
    window_frames: int = WINDOW_FRAMES
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
    # Per-member architecture overrides (fields of this config), member i taking entry i; members
    # past the end use this config as it is. Different members make a more diverse ensemble.
    member_overrides: tuple[dict[str, Any], ...] = ()

    def member(self, i: int) -> AcousticModelConfig:
        over = self.member_overrides[i] if i < len(self.member_overrides) else {}
        return self.from_dict({**self.to_dict(), **over, "members": 1, "member_overrides": ()})


@dataclass(frozen=True)
class WhisperHeadConfig(ModelConfig):
    """The shipped family: a dense head over the frozen Whisper encoder's clip embedding
    (:mod:`ml.whisper`), one input row per speech window. Dropout on the standardised embedding,
    then a hidden layer of ``head_units`` (0 = a linear classifier straight on the embedding)
    with ``dense_dropout`` after it."""

    frontend: ClassVar[Frontend] = WHISPER
    n_features: int = field(default_factory=lambda: WHISPER.input_shape()[1])
    window_frames: int = field(default_factory=lambda: WHISPER.input_shape()[0])
    embedding_dropout: float = 0.5
    head_units: int = 0
    dense_dropout: float = 0.4
    # Heads trained independently (seeds seed, seed+1, ...) and folded into one head whose hidden
    # layer holds all of theirs (:func:`fold_heads`): its logits are exactly the mean of theirs, so
    # serving, the ONNX head and personal adapters see one ordinary head, ``members`` times wider.
    members: int = 1

    def member(self, i: int) -> WhisperHeadConfig:
        return replace(self, members=1)


# Each front end's model family.
FAMILIES: dict[Frontend, type[ModelConfig]] = {c.frontend: c for c in (AcousticModelConfig, WhisperHeadConfig)}


def build_model(config: ModelConfig, mean: np.ndarray | None = None,
                variance: np.ndarray | None = None):  # noqa: ANN201 - keras.Model
    """Inputs ``features (B, T, F)`` and ``mask (B, T)``; output: class logits (softmax is applied
    after temperature scaling, so the model itself stays uncalibrated)."""
    import keras
    from keras import layers

    if config.members > 1 and not isinstance(config, WhisperHeadConfig):
        return _build_ensemble(config, mean, variance)
    mean = np.zeros(config.n_features, np.float32) if mean is None else mean
    variance = np.ones(config.n_features, np.float32) if variance is None else variance
    x_in = keras.Input((config.window_frames, config.n_features), name="features")
    m_in = keras.Input((config.window_frames,), name="mask")
    m = layers.Reshape((config.window_frames, 1))(m_in)
    x = layers.Normalization(mean=mean, variance=variance, name="standardise")(x_in)
    # Padding frames must look like "no information" (0 = training mean) after standardising.
    x = layers.Multiply()([x, m])
    if isinstance(config, WhisperHeadConfig):
        return keras.Model([x_in, m_in], _head(config, x), name="moodify_ser")
    if not isinstance(config, AcousticModelConfig):
        raise TypeError(f"no network is built from a {type(config).__name__}")
    return keras.Model([x_in, m_in], _conv_network(config, x, m), name="moodify_ser")


def _conv_network(config: AcousticModelConfig, x, m):  # noqa: ANN001, ANN202
    """Logits from standardised per-frame features ``x`` and their frame mask ``m``."""
    from keras import layers

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
    return layers.Dense(config.n_classes, name="logits")(x)


def _head(config: WhisperHeadConfig, x):  # noqa: ANN001, ANN202
    """Logits from a standardised clip embedding: the model's input is one "frame" per clip (mask
    1), the same inputs as the Conv1D network, so training, evaluation, ensembling and serving
    share their code. With ``members`` > 1, the folded head (:func:`fold_heads`): every member's
    hidden units side by side."""
    from keras import layers

    x = layers.Flatten()(x)
    x = layers.Dropout(config.embedding_dropout)(x)
    if config.head_units:
        x = layers.Dense(config.head_units * config.members, activation="gelu", name="dense")(x)
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
    if isinstance(config, WhisperHeadConfig):
        return fold_heads(config, members, mean, variance)
    if not isinstance(config, AcousticModelConfig):
        raise ValueError(f"no ensemble is built from a {type(config).__name__}")
    ens = build_model(replace(config, members=len(members)), mean, variance)
    for i, net in enumerate(members):
        ens.get_layer(f"member{i}").set_weights(net.get_weights())
    return ens


def fold_heads(config: WhisperHeadConfig, heads: list, mean: np.ndarray,  # noqa: ANN201 - keras.Model
               variance: np.ndarray):
    """One head whose logits are the mean of ``heads``' logits (separately trained single heads
    with the same standardisation): their hidden layers side by side, their output weights
    stacked and divided by their number, their output biases averaged. Without a hidden layer the
    output weights themselves are averaged."""
    for net in heads:
        norm = net.get_layer("standardise")
        if not (np.allclose(np.asarray(norm.mean).reshape(-1), mean)
                and np.allclose(np.asarray(norm.variance).reshape(-1), variance)):
            raise ValueError("heads standardised differently cannot be folded into one")
    folded = build_model(replace(config, members=len(heads)), mean, variance)
    out = [net.get_layer("logits").get_weights() for net in heads]
    bias = np.mean([b for _, b in out], axis=0)
    if config.head_units:
        hidden = [net.get_layer("dense").get_weights() for net in heads]
        folded.get_layer("dense").set_weights([np.concatenate([k for k, _ in hidden], axis=1),
                                               np.concatenate([b for _, b in hidden])])  # fmt: skip
        folded.get_layer("logits").set_weights([np.concatenate([k for k, _ in out]) / len(heads), bias])
    else:
        folded.get_layer("logits").set_weights([np.mean([k for k, _ in out], axis=0), bias])
    return folded


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

        def __init__(self, config: AcousticModelConfig, **kwargs: object) -> None:
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


def SpecAugment(config: AcousticModelConfig, **kwargs: object):  # noqa: ANN201, N802
    return _spec_augment()(config, **kwargs)


def AttentiveStatsPooling(units: int, **kwargs: object):  # noqa: ANN201, N802
    return _attentive_stats_pooling()(units, **kwargs)


def UtteranceCMN(n: int, **kwargs: object):  # noqa: ANN201, N802
    return _utterance_cmn()(n, **kwargs)


def GradientReversal(**kwargs: object):  # noqa: ANN201, N802
    return _gradient_reversal()(**kwargs)
