"""A pretrained speech encoder as Moodify's front end: OpenAI Whisper tiny.en's audio encoder, frozen.

Handcrafted features plateaued at ~60 % on held-out RAVDESS actors (model card, variants A-H); a
network that has heard 680,000 hours of speech describes a voice far better than anything 22
speakers can teach. Only the encoder is used (no decoding, no text): its log-mel front end, two
convolutions and four transformer blocks, run here in Keras from weights shipped in
``ml/pretrained/`` (MIT licence, see that folder's README). Each hidden state is pooled over time
(mean and standard deviation) into a clip embedding that the emotion head classifies.

The weights were taken from a CTranslate2 export of tiny.en (:mod:`ml.whisper_ct2`):
``python -m ml import-whisper DIR`` redoes it.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.audio import SAMPLE_RATE

PRETRAINED_DIR = Path(__file__).resolve().parent / "pretrained"
ENCODER_FILE = PRETRAINED_DIR / "whisper-tiny.en-encoder.npz"

# Whisper's front end (fixed by the pretrained weights): 25-ms windows, 10-ms hop, 80 mels.
N_FFT = 400
HOP = 160
N_MELS = 80
MAX_FRAMES = 3000  # 30 s: the encoder's positional table covers 1,500 output frames
WIDTH = 384
HEADS = 6
LAYERS = 4
N_STATES = LAYERS + 2  # convolution stem, each block's output, final layer norm
EMBEDDING_DIM = N_STATES * WIDTH * 2  # mean and std of every state


@dataclass(frozen=True)
class WhisperFeatureConfig:
    """Front-end settings stored with a model and checked at load (like ``FeatureConfig``)."""

    frontend: str = "whisper-tiny.en"
    sample_rate: int = SAMPLE_RATE
    n_fft: int = N_FFT
    hop_length: int = HOP
    n_mels: int = N_MELS
    embedding_dim: int = EMBEDDING_DIM


# --------------------------------------------------------------------------- weights

def encoder_digest(path: Path = ENCODER_FILE) -> str:
    """Short hash of the encoder weights' values (not of the file's compressed bytes), stored with
    every model trained on them."""
    st = path.stat()
    # Asked for at every predictor load, cache key and save: decompress and hash 14 MB once per
    # version of the file, not each time.
    return _digest(path.resolve(), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _digest(path: Path, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with np.load(path) as z:
        for name in sorted(z.files):
            a = z[name]
            h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
            h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:12]


def sinusoids(length: int, channels: int, max_timescale: float = 10_000.0) -> np.ndarray:
    """Whisper's fixed positional table: sines then cosines over geometric timescales."""
    inc = np.log(max_timescale) / (channels // 2 - 1)
    inv = np.exp(-inc * np.arange(channels // 2))
    t = np.arange(length)[:, None] * inv[None, :]
    return np.concatenate([np.sin(t), np.cos(t)], axis=1).astype(np.float32)


def load_encoder_weights(path: Path = ENCODER_FILE) -> dict[str, np.ndarray]:
    if not path.exists():
        raise FileNotFoundError(f"pretrained encoder {path} is missing; run `python -m ml import-whisper DIR`")
    with np.load(path) as z:
        return {k.replace(".", "/"): z[k].astype(np.float32) for k in z.files}


# --------------------------------------------------------------------------- front end

_MEL: dict[str, np.ndarray] = {}


def _mel_filters() -> tuple[np.ndarray, np.ndarray]:
    if not _MEL:
        import librosa

        _MEL["mel"] = librosa.filters.mel(sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=N_MELS).astype(np.float32)
        _MEL["window"] = librosa.filters.get_window("hann", N_FFT, fftbins=True).astype(np.float32)
    return _MEL["mel"], _MEL["window"]


def log_mel(waveform: np.ndarray, *, vtlp: float = 1.0, channel: np.ndarray | None = None) -> np.ndarray:
    """Whisper's log-mel spectrogram of a prepared 16-kHz clip, ``(frames, 80)`` float32.

    ``vtlp`` and ``channel`` (per-bin gains for a 400-point FFT) are the training-only spectral
    augmentations of :mod:`ml.augment`; serving uses neither.
    """
    import librosa

    from ml.features import vtlp_matrix

    mel, window = _mel_filters()
    y = np.ascontiguousarray(waveform, dtype=np.float32)
    mag = np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP, window=window, center=True))[:, :-1]
    if vtlp != 1.0:
        mag = vtlp_matrix(vtlp, n_fft=N_FFT) @ mag
    if channel is not None:
        mag = mag * channel[:, None]
    spec = np.log10(np.maximum(mel @ mag**2, 1e-10))
    spec = np.maximum(spec, spec.max() - 8.0)
    spec = (spec + 4.0) / 4.0
    # The encoder's positional table ends at 30 s: of a longer clip (up to the 60-s limit) the
    # first 30 s are analysed.
    return np.ascontiguousarray(spec[:, :MAX_FRAMES].T, dtype=np.float32)


# --------------------------------------------------------------------------- encoder


def build_encoder(weights: dict[str, np.ndarray] | None = None):  # noqa: ANN201 - keras.Model
    """Keras model: log-mel ``(1, T, 80)`` -> pooled embedding ``(1, EMBEDDING_DIM)``.

    One clip at a time (no padding, so no attention mask): mean and standard deviation over time
    of the stem's output, of each block's output and of the final layer norm's.
    """
    import keras
    from keras import layers, ops

    w = load_encoder_weights() if weights is None else weights
    gelu = lambda t: keras.activations.gelu(t, approximate=False)  # noqa: E731
    mel_in = keras.Input((None, N_MELS), batch_size=1, name="log_mel")
    x = layers.Conv1D(WIDTH, 3, padding="same", activation=gelu, name="conv1")(mel_in)
    # Whisper pads one frame on each side before the strided convolution ("same" would pad right only).
    x = layers.ZeroPadding1D(1)(x)
    x = layers.Conv1D(WIDTH, 3, strides=2, padding="valid", activation=gelu, name="conv2")(x)
    x = _PositionalTable(name="positions")(x)
    states = [x]
    for i in range(LAYERS):
        x = _EncoderBlock(name=f"block{i}")(x)
        states.append(x)
    states.append(layers.LayerNormalization(epsilon=1e-5, name="ln_post")(x))
    pooled = []
    for s in states:
        mean = ops.mean(s, axis=1)
        std = ops.sqrt(ops.maximum(ops.mean(ops.square(s), axis=1) - ops.square(mean), 1e-8))
        pooled += [mean, std]
    model = keras.Model(mel_in, layers.Concatenate(name="embedding")(pooled), name="whisper_encoder")
    model.trainable = False
    _set_weights(model, w)
    return model


def _set_weights(model, w: dict[str, np.ndarray]) -> None:  # noqa: ANN001
    def conv(name: str) -> list[np.ndarray]:  # CTranslate2 (out, in, k) -> Keras (k, in, out)
        return [w[f"{name}/weight"].transpose(2, 1, 0), w[f"{name}/bias"]]

    model.get_layer("conv1").set_weights(conv("conv1"))
    model.get_layer("conv2").set_weights(conv("conv2"))
    for i in range(LAYERS):
        p = f"layer_{i}/"
        model.get_layer(f"block{i}").set_weights([
            w[p + "self_attention/layer_norm/gamma"], w[p + "self_attention/layer_norm/beta"],
            w[p + "self_attention/linear_0/weight"].T, w[p + "self_attention/linear_0/bias"],
            w[p + "self_attention/linear_1/weight"].T, w[p + "self_attention/linear_1/bias"],
            w[p + "ffn/layer_norm/gamma"], w[p + "ffn/layer_norm/beta"],
            w[p + "ffn/linear_0/weight"].T, w[p + "ffn/linear_0/bias"],
            w[p + "ffn/linear_1/weight"].T, w[p + "ffn/linear_1/bias"],
        ])  # fmt: skip
    model.get_layer("ln_post").set_weights([w["layer_norm/gamma"], w["layer_norm/beta"]])


@functools.cache
def _keras_layers():  # noqa: ANN202 - defined lazily so importing ml.whisper does not import TF
    import keras
    from keras import ops

    class PositionalTable(keras.layers.Layer):
        def build(self, input_shape):  # noqa: ANN001, ANN201
            self.table = ops.convert_to_tensor(sinusoids(MAX_FRAMES // 2, WIDTH))

        def call(self, x):  # noqa: ANN001, ANN201
            return x + self.table[None, : ops.shape(x)[1]]

    class EncoderBlock(keras.layers.Layer):
        """Pre-norm transformer block: self-attention (6 heads), then a 4x GELU MLP."""

        def build(self, input_shape):  # noqa: ANN001, ANN201
            def dense(name: str, n_in: int, n_out: int) -> tuple:
                return (self.add_weight(name=f"{name}_kernel", shape=(n_in, n_out), trainable=False),
                        self.add_weight(name=f"{name}_bias", shape=(n_out,), trainable=False))  # fmt: skip

            self.ln1 = (self.add_weight(name="ln1_gamma", shape=(WIDTH,), trainable=False),
                        self.add_weight(name="ln1_beta", shape=(WIDTH,), trainable=False))  # fmt: skip
            self.qkv = dense("qkv", WIDTH, 3 * WIDTH)
            self.out = dense("out", WIDTH, WIDTH)
            self.ln2 = (self.add_weight(name="ln2_gamma", shape=(WIDTH,), trainable=False),
                        self.add_weight(name="ln2_beta", shape=(WIDTH,), trainable=False))  # fmt: skip
            self.fc1 = dense("fc1", WIDTH, 4 * WIDTH)
            self.fc2 = dense("fc2", 4 * WIDTH, WIDTH)

        @staticmethod
        def _norm(x, gb):  # noqa: ANN001, ANN205
            mean = ops.mean(x, axis=-1, keepdims=True)
            var = ops.mean(ops.square(x - mean), axis=-1, keepdims=True)
            return (x - mean) * ops.rsqrt(var + 1e-5) * gb[0] + gb[1]

        def call(self, x):  # noqa: ANN001, ANN201
            t = ops.shape(x)[1]
            h = ops.matmul(self._norm(x, self.ln1), self.qkv[0]) + self.qkv[1]
            h = ops.reshape(h, (-1, t, 3, HEADS, WIDTH // HEADS))
            q, k, v = (ops.transpose(h[:, :, j], (0, 2, 1, 3)) for j in range(3))
            att = ops.softmax(ops.matmul(q, ops.transpose(k, (0, 1, 3, 2))) / np.sqrt(WIDTH / HEADS), axis=-1)
            o = ops.reshape(ops.transpose(ops.matmul(att, v), (0, 2, 1, 3)), (-1, t, WIDTH))
            x = x + ops.matmul(o, self.out[0]) + self.out[1]
            h = keras.activations.gelu(ops.matmul(self._norm(x, self.ln2), self.fc1[0]) + self.fc1[1],
                                       approximate=False)  # fmt: skip
            return x + ops.matmul(h, self.fc2[0]) + self.fc2[1]

    return PositionalTable, EncoderBlock


def _PositionalTable(**kwargs: object):  # noqa: ANN202, N802
    return _keras_layers()[0](**kwargs)


def _EncoderBlock(**kwargs: object):  # noqa: ANN202, N802
    return _keras_layers()[1](**kwargs)


class Embedder:
    """The frozen encoder as one traced function: prepared waveform -> clip embedding.

    Thread-safe; one per process is enough (:func:`get_embedder`).
    """

    def __init__(self, weights_path: Path = ENCODER_FILE) -> None:
        import tensorflow as tf

        self.model = build_encoder(load_encoder_weights(weights_path))
        self._forward = tf.function(lambda m: self.model(m, training=False), reduce_retracing=True,
                                    input_signature=[tf.TensorSpec([1, None, N_MELS], tf.float32)])
        self._lock = threading.Lock()

    def __call__(self, waveform: np.ndarray, *, vtlp: float = 1.0,
                 channel: np.ndarray | None = None) -> np.ndarray:
        return self.embed_mel(log_mel(waveform, vtlp=vtlp, channel=channel))

    def embed_mel(self, mel: np.ndarray) -> np.ndarray:
        with self._lock:
            return self._forward(mel[None]).numpy()[0]


@functools.cache
def get_embedder() -> Embedder:
    """The process-wide encoder. Its callers (the predictor, under get_predictor's lock, and
    feature extraction) build it from one thread, so functools.cache needs no lock of its own."""
    return Embedder()
