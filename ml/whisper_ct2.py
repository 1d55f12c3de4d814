"""The CTranslate2 model format: read its variables, and write a Whisper tiny(.en) export's encoder
as the float16 ``.npz`` that :mod:`ml.whisper` loads (``python -m ml import-whisper DIR``)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from ml.whisper import ENCODER_FILE, MAX_FRAMES, WIDTH, sinusoids

_CT2_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}


def read_ctranslate2(path: str | Path) -> dict[str, np.ndarray]:
    """Every variable of a CTranslate2 ``model.bin`` (format version 6) as numpy arrays.

    The layout: version, spec name, revision, variable count, then per variable its name, rank,
    shape, dtype code, byte count and raw little-endian data (aliases follow and are skipped).
    """
    buf = Path(path).read_bytes()
    pos = 0

    def take(fmt: str) -> int:
        nonlocal pos
        (value,) = struct.unpack_from(fmt, buf, pos)
        pos += struct.calcsize(fmt)
        return value

    def text() -> str:
        nonlocal pos
        n = take("<H")
        s = buf[pos : pos + n].rstrip(b"\0").decode()
        pos += n
        return s

    version = take("<I")
    if version < 5:
        raise ValueError(f"CTranslate2 model format {version} is not supported (need 5 or later)")
    text()  # spec name
    take("<I")  # spec revision
    out: dict[str, np.ndarray] = {}
    for _ in range(take("<I")):
        name = text()
        rank = take("<B")
        shape = [take("<I") for _ in range(rank)]
        code = take("<B")
        nbytes = take("<I")
        if code not in _CT2_DTYPES:
            raise ValueError(f"variable {name}: unsupported dtype code {code}")
        dtype = np.dtype(_CT2_DTYPES[code])
        out[name] = np.frombuffer(buf, dtype, nbytes // dtype.itemsize, pos).reshape(shape).copy()
        pos += nbytes
    return out


def export_encoder(ct2_model: str | Path, out: str | Path = ENCODER_FILE) -> Path:
    """Write the encoder weights of a CTranslate2 Whisper tiny(.en) export as float16 ``.npz``.

    The positional table is not stored: it is Whisper's fixed sinusoid table, rebuilt by
    :func:`sinusoids` (checked against the export here).
    """
    ct2_model = Path(ct2_model)
    src = ct2_model / "model.bin" if ct2_model.is_dir() else ct2_model
    variables = read_ctranslate2(src)
    enc = {k[len("encoder/"):]: v for k, v in variables.items() if k.startswith("encoder/")}
    table = enc.pop("position_encodings/encodings", None)
    enc.pop("num_heads", None)
    if table is None or table.shape != (MAX_FRAMES // 2, WIDTH):
        raise ValueError(f"{src} is not a Whisper tiny encoder (width {WIDTH}, {MAX_FRAMES // 2} positions)")
    if not np.allclose(table.astype(np.float32), sinusoids(*table.shape), atol=2e-3):
        raise ValueError(f"{src}: positional table is not Whisper's sinusoids")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **{k.replace("/", "."): v.astype(np.float16) for k, v in enc.items()})  # type: ignore[arg-type]
    return out
