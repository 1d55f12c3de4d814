"""``python -m ml score``: the shipped model scored on labelled clips from a corpus it never saw."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ml.datasets import LABEL_MAPS, LabelMap, discover
from ml.score import score_clips
from tests.ml.conftest import ROOT


@pytest.fixture(scope="module")
def other_corpus(speech_wav: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """CREMA-D and SAVEE file names (as users download them) around espeak-ng speech, plus one silent clip."""
    root = tmp_path_factory.mktemp("other-corpus")
    (root / "cremad").mkdir()
    (root / "savee" / "DC").mkdir(parents=True)
    shutil.copy(speech_wav, root / "cremad" / "1001_DFA_ANG_XX.wav")
    shutil.copy(speech_wav, root / "cremad" / "1002_IEO_HAP_HI.wav")
    shutil.copy(speech_wav, root / "savee" / "DC" / "su01.wav")
    sf.write(root / "cremad" / "1003_DFA_SAD_XX.wav", np.zeros(32000, dtype=np.float32), 16000)
    return root


def _own_map(predictor) -> LabelMap:  # noqa: ANN001
    own = predictor.config["label_map"]
    return LabelMap(own["name"], tuple(own["labels"]), own["mapping"])


def test_scores_what_the_predictor_says_and_counts_what_it_refuses(other_corpus: Path, predictor) -> None:  # noqa: ANN001
    clips = discover(other_corpus)
    report = score_clips(predictor, clips, _own_map(predictor))
    assert report["clips_found"] == 4 and report["clips_scored"] == 3
    assert report["refused"] == {"no_speech": 1} and report["skipped_emotions"] == {}
    expected = {"1001_DFA_ANG_XX.wav": "angry", "1002_IEO_HAP_HI.wav": "happy", "su01.wav": "surprised"}
    right = [predictor.predict_file(c.path).label == expected[c.path.name] for c in clips if c.path.name in expected]
    overall = report["overall"]
    assert overall["accuracy"] == pytest.approx(np.mean(right))
    assert sum(map(sum, overall["confusion_matrix"])) == 3
    assert overall["per_class"]["angry"]["support"] == 1 and overall["per_class"]["sad"]["support"] == 0
    assert set(report["per_corpus"]) == {"cremad", "savee"} and report["per_corpus"]["cremad"]["n"] == 2
    assert set(report["per_speaker_accuracy"]) == {"CREMA1001", "CREMA1002", "SAVEE_DC"}
    assert 0.0 <= overall["ece"] <= 1.0


def test_emotions_the_label_map_drops_are_skipped_not_scored(other_corpus: Path, predictor) -> None:  # noqa: ANN001
    report = score_clips(predictor, discover(other_corpus), LABEL_MAPS["cremad6"])
    assert report["skipped_emotions"] == {"surprised": 1} and report["clips_scored"] == 2


def test_cli_prints_a_summary_and_writes_the_report(other_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "score.json"
    proc = subprocess.run([sys.executable, "-m", "ml", "score", "--data", str(other_corpus), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=240)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("3 clips: accuracy") and "refused: {'no_speech': 1}" in proc.stdout
    assert json.loads(out.read_text())["clips_scored"] == 3
    empty = subprocess.run([sys.executable, "-m", "ml", "score", "--data", str(tmp_path)],
                           cwd=ROOT, capture_output=True, text=True, timeout=240)  # fmt: skip
    assert empty.returncode == 2 and len(empty.stderr.strip().splitlines()) == 1
