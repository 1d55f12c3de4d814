"""Whisper tiny's encoder as an ONNX graph, and its int8 copy that serving runs (:mod:`ml.serving`).

The Keras encoder (:mod:`ml.whisper`) stays the training reference; the graph here is built from
the same weights, op by op, so a served embedding can be held to the float one
(``tests/ml/test_serving.py``). :func:`encoder_model`: log-mel ``(1, T, 80)`` -> the 4,608-value
clip embedding, exactly the Keras model's computation. :func:`quantize_encoder` makes the int8
(dynamic-range) copy that ships in ``ml/pretrained/`` (``python -m ml export-onnx``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ml.onnx_graphs import _dense, _gelu, _Graph, _layer_norm, _lib
from ml.whisper import HEADS, LAYERS, MAX_FRAMES, N_MELS, WIDTH, load_encoder_weights, sinusoids


def encoder_model(weights: dict[str, np.ndarray] | None = None):  # noqa: ANN201 - onnx.ModelProto
    """The frozen Whisper encoder with its time pooling, as :func:`ml.whisper.build_encoder` computes it."""
    _, helper, _, tp = _lib()
    w = load_encoder_weights() if weights is None else weights
    g = _Graph()
    g.const("c_half", np.float32(0.5))
    g.const("c_one", np.float32(1.0))
    g.const("c_inv_sqrt2", np.float32(1 / np.sqrt(2)))
    g.const("c_eps", np.float32(1e-8))
    g.const("c_scale", np.float32(1 / np.sqrt(WIDTH / HEADS)))
    x = g.op("Transpose", "log_mel", perm=[0, 2, 1])  # (1, 80, T)
    for name, stride in (("conv1", 1), ("conv2", 2)):
        x = g.op("Conv", x, g.const(f"{name}.w", w[f"{name}/weight"]), g.const(f"{name}.b", w[f"{name}/bias"]),
                 pads=[1, 1], strides=[stride])  # fmt: skip
        x = _gelu(g, x)
    x = g.op("Transpose", x, perm=[0, 2, 1])  # (1, T/2, 384)
    table = g.const("positions", sinusoids(MAX_FRAMES // 2, WIDTH))
    frames = g.op("Slice", g.op("Shape", x), g.const("i_1", np.array([1], np.int64)),
                  g.const("i_2", np.array([2], np.int64)))  # fmt: skip
    x = g.op("Add", x, g.op("Slice", table, g.const("i_0", np.array([0], np.int64)), frames,
                            g.const("i_axis0", np.array([0], np.int64))))  # fmt: skip
    states = [x]
    head_shape = g.const("head_shape", np.array([0, -1, 3, HEADS, WIDTH // HEADS], np.int64))
    flat_shape = g.const("flat_shape", np.array([0, -1, WIDTH], np.int64))
    for i in range(LAYERS):
        p = f"layer_{i}/"
        h = _layer_norm(g, x, f"b{i}.ln1", w[p + "self_attention/layer_norm/gamma"],
                        w[p + "self_attention/layer_norm/beta"])  # fmt: skip
        h = _dense(g, h, f"b{i}.qkv", w[p + "self_attention/linear_0/weight"], w[p + "self_attention/linear_0/bias"])
        h = g.op("Transpose", g.op("Reshape", h, head_shape), perm=[2, 0, 3, 1, 4])  # (3, 1, heads, T, 64)
        q, k, v = g.ops("Split", h, g.const(f"split3_{i}", np.array([1, 1, 1], np.int64)), axis=0, n_out=3)
        q, k, v = (g.op("Squeeze", t, "i_0") for t in (q, k, v))
        att = g.op("Softmax", g.op("Mul", g.op("MatMul", q, g.op("Transpose", k, perm=[0, 1, 3, 2])), "c_scale"),
                   axis=-1)  # fmt: skip
        o = g.op("Reshape", g.op("Transpose", g.op("MatMul", att, v), perm=[0, 2, 1, 3]), flat_shape)
        x = g.op("Add", x, _dense(g, o, f"b{i}.out", w[p + "self_attention/linear_1/weight"],
                                  w[p + "self_attention/linear_1/bias"]))  # fmt: skip
        h = _layer_norm(g, x, f"b{i}.ln2", w[p + "ffn/layer_norm/gamma"], w[p + "ffn/layer_norm/beta"])
        h = _gelu(g, _dense(g, h, f"b{i}.fc1", w[p + "ffn/linear_0/weight"], w[p + "ffn/linear_0/bias"]))
        x = g.op("Add", x, _dense(g, h, f"b{i}.fc2", w[p + "ffn/linear_1/weight"], w[p + "ffn/linear_1/bias"]))
        states.append(x)
    states.append(_layer_norm(g, x, "ln_post", w["layer_norm/gamma"], w["layer_norm/beta"]))
    pooled: list[str] = []
    for s in states:
        mean = g.op("ReduceMean", s, g.const(f"axis1_{len(pooled)}", np.array([1], np.int64)), keepdims=0)
        sq = g.op("ReduceMean", g.op("Mul", s, s), f"axis1_{len(pooled)}", keepdims=0)
        std = g.op("Sqrt", g.op("Max", g.op("Sub", sq, g.op("Mul", mean, mean)), "c_eps"))
        pooled += [mean, std]
    g.nodes.append(helper.make_node("Concat", pooled, ["embedding"], axis=1))
    return g.model(
        "whisper_tiny_en_encoder",
        [helper.make_tensor_value_info("log_mel", tp.FLOAT, [1, "frames", N_MELS])],
        [helper.make_tensor_value_info("embedding", tp.FLOAT, [1, 2 * WIDTH * (LAYERS + 2)])],
        "Whisper tiny.en audio encoder (MIT, OpenAI), frozen, pooled to mean+std of each hidden state.",
    )


def quantize_encoder(float_model: Path, out: Path) -> Path:
    """int8 dynamic-range copy of a float encoder graph: weights stored as int8 per output
    channel, activations quantised per call. MatMuls only; the convolutions stay float."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(float_model), str(out), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul"])  # fmt: skip
    return out
