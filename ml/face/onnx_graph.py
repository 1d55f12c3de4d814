"""The face CNN as an ONNX graph built op by op from its saved Keras weights, so a worker serves
it with ONNX Runtime and never imports TensorFlow. Batch normalisation is folded into each
convolution; ``tests/ml/test_face.py`` holds the graph to the Keras model's logits."""

from __future__ import annotations

import numpy as np

from ml.face.model import FaceModelConfig
from ml.face.preprocess import FACE_SIZE
from ml.onnx_graphs import _Graph, _lib

BN_EPSILON = 1e-3  # keras.layers.BatchNormalization's default


def _folded_conv(w: dict[str, np.ndarray], conv: str, bn: str) -> tuple[np.ndarray, np.ndarray]:
    kernel = w[f"{conv}/0"]  # (kh, kw, in, out)
    gamma, beta, mean, var = (w[f"{bn}/{i}"] for i in range(4))
    scale = gamma / np.sqrt(var + BN_EPSILON)
    weight = (kernel * scale).transpose(3, 2, 0, 1)  # (out, in, kh, kw)
    return weight.astype(np.float32), (beta - mean * scale).astype(np.float32)


def _member_logits(g: _Graph, x: str, weights: dict[str, np.ndarray], cfg: FaceModelConfig,
                   prefix: str) -> tuple[str, str]:
    """One network's convolutions and pooling from the NCHW input ``x``; returns (pre-bias
    logits, bias initialiser)."""
    for b, (_, n) in enumerate(zip(cfg.filters, cfg.convs_per_block, strict=True)):
        for c in range(n):
            wt, bias = _folded_conv(weights, f"conv{b}_{c}", f"bn{b}_{c}")
            x = g.op("Conv", x, g.const(f"{prefix}conv{b}_{c}.w", wt), g.const(f"{prefix}conv{b}_{c}.b", bias),
                     kernel_shape=[3, 3], pads=[1, 1, 1, 1])  # fmt: skip
            x = g.op("Relu", x)
        if b < len(cfg.filters) - 1:
            x = g.op("MaxPool", x, kernel_shape=[2, 2], strides=[2, 2])
    x = g.op("Flatten", g.op("GlobalAveragePool", x), axis=1)
    x = g.op("MatMul", x, g.const(f"{prefix}logits.w", weights["logits/0"].astype(np.float32)))
    return x, g.const(f"{prefix}logits.b", weights["logits/1"].astype(np.float32))


def face_model(members: list[dict[str, np.ndarray]], cfg: FaceModelConfig):  # noqa: ANN201 - onnx.ModelProto
    """Standardised crops ``(n, 48, 48, 1)`` -> logits ``(n, classes)``: the mean of the logits of
    the networks in ``members`` (each one network's weights; one member: that network alone)."""
    _, helper, _, tp = _lib()
    g = _Graph()
    x = g.op("Transpose", "face", perm=[0, 3, 1, 2])
    if len(members) == 1:
        pre, bias = _member_logits(g, x, members[0], cfg, "")
        g.nodes.append(helper.make_node("Add", [pre, bias], ["logits"]))
    else:
        outs = [g.op("Add", *_member_logits(g, x, w, cfg, f"m{i}.")) for i, w in enumerate(members)]
        total = g.op("Sum", *outs)
        scale = g.const("members.inverse", np.asarray(1.0 / len(members), np.float32))
        g.nodes.append(helper.make_node("Mul", [total, scale], ["logits"]))
    return g.model("face_expression",
                   [helper.make_tensor_value_info("face", tp.FLOAT, ["n", FACE_SIZE, FACE_SIZE, 1])],
                   [helper.make_tensor_value_info("logits", tp.FLOAT, ["n", cfg.n_classes])],
                   "Moodify's face expression CNN (trained on FER-2013: research use only).")  # fmt: skip
