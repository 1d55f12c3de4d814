"""``python -m ml``: JSON lines for good files; one line and exit status 2 for bad ones."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ml import LABELS
from tests.ml.conftest import ROOT


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ml", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=240)  # fmt: skip


def test_predict_and_bad_input_in_one_call(speech_formats: dict[str, Path], tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    text = tmp_path / "letter.mp3"
    text.write_text("Dear Sir or Madam, " * 40)
    proc = _run("predict", str(speech_formats["webm"]), str(empty), str(text))
    assert proc.returncode == 2
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1
    row = json.loads(lines[0])
    assert row["file"] == str(speech_formats["webm"]) and row["emotion"] in LABELS
    assert set(row["probabilities"]) == set(LABELS) and 0 < row["confidence"] <= 1
    errors = [ln for ln in proc.stderr.splitlines() if str(tmp_path) in ln]
    assert len(errors) == 2 and "Traceback" not in proc.stderr
    assert "empty" in errors[0] and "(empty_file)" in errors[0]
    assert "(undecodable_audio)" in errors[1]


def test_missing_file_is_one_line_exit_2(tmp_path: Path) -> None:
    proc = _run("predict", str(tmp_path / "nope.wav"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_info_prints_the_model_card() -> None:
    proc = _run("info")
    assert proc.returncode == 0
    card = json.loads(proc.stdout)
    assert card["labels"] == list(LABELS) and card["version"]
    assert "speaker-independent" in card["evaluation_speaker_independent"]["protocol"]
    # The card says how the shipped weights were trained: the Whisper head on the clips and their
    # room/device copies, and under whose licence the pretrained encoder is shipped.
    assert card["training"]["augmentation"].startswith("2 room/device copies per training clip")
    assert card["training"]["config"]["use_augmented"] is True
    assert "Whisper tiny.en" in card["architecture"] and "MIT" in card["licence"]
    # ...and how it fares as rooms and devices deliver held-out speakers' voices.
    conditions = card["robustness"]["conditions"]
    assert {"clean", "opus24", "babble10", "babble5", "white10", "reverb", "quiet30", "long"} <= set(conditions)
    assert all(0 <= m["accuracy_with_refusals"] <= 1 for row in conditions.values()
               for m in row["per_corpus"].values())
