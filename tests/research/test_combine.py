"""An ensemble's report from its members' own cross-validations: the mean of their out-of-fold
logits, refused when the members were not tested on the same clips and folds."""

from pathlib import Path

import numpy as np
import pytest

from ml.config import TrainConfig
from ml.evaluate import _report, write_report
from ml.model import AcousticModelConfig
from research.ensemble import combine_members, load_report

LABELS = ("angry", "disgust", "fearful", "happy", "neutral", "sad", "surprised")


def _member(seed: int, n: int = 70) -> tuple[dict, dict]:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 7
    oof = {"logits": rng.standard_normal((n, 7)).astype(np.float32) + 2 * np.eye(7)[y],
           "targets": y, "fold": np.arange(n) % 5,
           "corpora": np.where(np.arange(n) < 30, "ravdess", "tess"),
           "clip_ids": np.array([f"c{i:03d}" for i in range(n)])}  # fmt: skip
    folds = [{"fold": k, "test_speakers": [f"S{k}"], "accuracy": 0.0, "n_test": 14} for k in range(5)]
    hist = [{"loss": [2.0 - seed, 1.0], "accuracy": [0.3, 0.6], "train_seconds": [10.0]}] * 5
    rep = _report(oof, protocol="speaker", labels=LABELS, folds=folds, histories=hist,
                  config=TrainConfig(model=AcousticModelConfig(members=1)), seconds=50.0)  # fmt: skip
    return {k: v for k, v in rep.items() if k != "_oof"}, oof


def test_combined_report_is_the_report_of_the_mean_logits(tmp_path: Path) -> None:
    a, b = _member(1), _member(2)
    # Members may list their clips in another order: they are matched by clip id.
    perm = np.random.default_rng(0).permutation(70)
    b = (b[0], {k: v[perm] for k, v in b[1].items()})
    cfg = TrainConfig(model=AcousticModelConfig(members=2))
    combined = combine_members([a, b], cfg)
    mean = (a[1]["logits"] + b[1]["logits"][np.argsort(perm)]) / 2
    y = a[1]["targets"]
    assert combined["overall"]["accuracy"] == pytest.approx(float((mean.argmax(1) == y).mean()))
    fold0 = a[1]["fold"] == 0
    assert combined["folds"][0]["accuracy"] == pytest.approx(float((mean[fold0].argmax(1) == y[fold0]).mean()))
    assert combined["histories"][0]["loss"] == [pytest.approx(0.5), 1.0]  # (1.0 + 0.0) / 2
    assert combined["histories"][0]["train_seconds"] == [20.0]
    # Written and read back, it can itself take part in a later combination.
    write_report(combined, tmp_path)
    again = load_report(tmp_path)
    np.testing.assert_allclose(again[1]["logits"], mean, rtol=1e-6)


def test_members_on_other_folds_or_a_wrong_count_are_refused() -> None:
    a, b = _member(1), _member(2)
    other = (b[0], {**b[1], "fold": (b[1]["fold"] + 1) % 5})
    with pytest.raises(ValueError, match="same clips and folds"):
        combine_members([a, other], TrainConfig(model=AcousticModelConfig(members=2)))
    with pytest.raises(ValueError, match="3 members"):
        combine_members([a, b], TrainConfig(model=AcousticModelConfig(members=3)))
