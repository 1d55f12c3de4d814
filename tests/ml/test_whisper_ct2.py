"""The CTranslate2 reader and the encoder export it feeds."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from ml import whisper_ct2


def _write_ct2(path: Path, variables: dict[str, np.ndarray]) -> None:
    """A CTranslate2 model.bin (format 6) holding ``variables``, written the way CTranslate2 does."""
    codes = {np.dtype(np.float32): 0, np.dtype(np.int8): 1, np.dtype(np.int16): 2,
             np.dtype(np.int32): 3, np.dtype(np.float16): 4}  # fmt: skip

    def text(s: str) -> bytes:
        b = s.encode() + b"\0"
        return struct.pack("<H", len(b)) + b

    out = struct.pack("<I", 6) + text("WhisperSpec") + struct.pack("<I", 3)
    out += struct.pack("<I", len(variables))
    for name, v in variables.items():
        out += text(name) + struct.pack("<B", v.ndim) + b"".join(struct.pack("<I", d) for d in v.shape)
        out += struct.pack("<B", codes[v.dtype]) + struct.pack("<I", v.nbytes) + v.tobytes()
    out += struct.pack("<I", 0)  # no aliases
    path.write_bytes(out)


def test_ctranslate2_reader_round_trips_names_shapes_and_values(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    variables = {
        "encoder/conv1/weight": rng.standard_normal((4, 3, 3)).astype(np.float16),
        "encoder/num_heads": np.array(6, np.int16),
        "decoder/scale": rng.standard_normal(5).astype(np.float32),
    }
    _write_ct2(tmp_path / "model.bin", variables)
    got = whisper_ct2.read_ctranslate2(tmp_path / "model.bin")
    assert list(got) == list(variables)
    for name, v in variables.items():
        assert got[name].dtype == v.dtype and got[name].shape == v.shape
        np.testing.assert_array_equal(got[name], v)


def test_export_refuses_a_model_that_is_not_a_whisper_tiny_encoder(tmp_path: Path) -> None:
    _write_ct2(tmp_path / "model.bin", {"encoder/position_encodings/encodings":
                                        np.zeros((10, 8), np.float16)})  # fmt: skip
    with pytest.raises(ValueError, match="not a Whisper tiny encoder"):
        whisper_ct2.export_encoder(tmp_path, tmp_path / "out.npz")
    assert not (tmp_path / "out.npz").exists()
