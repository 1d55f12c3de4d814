"""The face expression CNN (Keras): four convolution blocks over a 48x48 greyscale crop, global
average pooling, one dense layer to the seven labels' logits. Training and serving feed it the
same standardised crops (:func:`ml.face.preprocess.normalise`); serving runs the same weights as
an ONNX graph (:mod:`ml.face.onnx_graph`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ml.face.preprocess import FACE_SIZE


@dataclass(frozen=True)
class FaceModelConfig:
    # Sized for training on two shared CPU cores: ~19 M multiply-adds per crop.
    filters: tuple[int, ...] = (16, 32, 64, 128)
    convs_per_block: tuple[int, ...] = (1, 2, 2, 1)
    dropout: float = 0.3
    n_classes: int = 7

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> FaceModelConfig:
        return cls(filters=tuple(d["filters"]), convs_per_block=tuple(d["convs_per_block"]),
                   dropout=float(d["dropout"]), n_classes=int(d["n_classes"]))  # fmt: skip


def build_core(cfg: FaceModelConfig):  # noqa: ANN201 - keras.Model
    """Standardised crops ``(n, 48, 48, 1)`` -> logits ``(n, classes)``. Conv + batch norm + ReLU
    blocks (batch norm folds into the convolution when exported); 2x2 max pooling between blocks."""
    import keras
    from keras import layers

    x = inp = keras.Input((FACE_SIZE, FACE_SIZE, 1), name="face")
    for b, (f, n) in enumerate(zip(cfg.filters, cfg.convs_per_block, strict=True)):
        for c in range(n):
            x = layers.Conv2D(f, 3, padding="same", use_bias=False, name=f"conv{b}_{c}")(x)
            x = layers.BatchNormalization(name=f"bn{b}_{c}")(x)
            x = layers.ReLU(name=f"relu{b}_{c}")(x)
        if b < len(cfg.filters) - 1:
            x = layers.MaxPooling2D(2, name=f"pool{b}")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dropout(cfg.dropout, name="dropout")(x)
    out = layers.Dense(cfg.n_classes, name="logits")(x)
    return keras.Model(inp, out, name="face_cnn")
