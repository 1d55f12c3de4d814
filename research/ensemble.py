"""Model H's ensemble from its members' own cross-validations (research; the shipped model is one
network). ``python -m ml evaluate --combine`` and ``python -m ml select`` read written reports
through these; nothing in ``ml/`` that trains or serves the shipped model uses them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ml.config import TrainConfig
from ml.evaluate import OOF_CLIP_ARRAYS, _report


def align_members(members: list[tuple[dict[str, Any], dict[str, np.ndarray]]],
                  ) -> tuple[dict[str, np.ndarray], list[np.ndarray]]:
    """The first member's out-of-fold arrays in clip-id order and every member's logits in that
    order; refuses members that were not cross-validated on the same clips, folds and protocol."""
    first_report, first = members[0]
    order = [np.argsort(oof["clip_ids"]) for _, oof in members]
    for (rep, oof), o in zip(members, order, strict=True):
        same = (np.array_equal(oof["clip_ids"][o], first["clip_ids"][order[0]])
                and np.array_equal(oof["fold"][o], first["fold"][order[0]])
                and rep["protocol"] == first_report["protocol"])  # fmt: skip
        if not same:
            raise ValueError("members were not cross-validated on the same clips and folds")
    base = {k: v[order[0]] for k, v in first.items() if k in OOF_CLIP_ARRAYS}
    return base, [m["logits"][o] for (_, m), o in zip(members, order, strict=True)]


def combine_members(members: list[tuple[dict[str, Any], dict[str, np.ndarray]]],
                    config: TrainConfig) -> dict[str, Any]:
    """The report of an ensemble from its members' own cross-validations (each a ``(report,
    oof arrays)`` pair, in member order, all on the same folds).

    The ensemble averages its members' logits and each member's training in a fold does not
    depend on the others, so the ensemble's out-of-fold logits are the mean of theirs: the
    ensemble cross-validated with exactly these member runs, without training it again.
    """
    if config.model.members != len(members):
        raise ValueError(f"the config has {config.model.members} members, {len(members)} given")
    first_report = members[0][0]
    oof, logits = align_members(members)
    oof["logits"] = np.mean(logits, axis=0).astype(np.float32)
    y, z = oof["targets"], oof["logits"]
    folds = [{**f, "accuracy": float((z[oof["fold"] == f["fold"]].argmax(1)
                                      == y[oof["fold"] == f["fold"]]).mean())}
             for f in first_report["folds"]]  # fmt: skip
    # Per fold, the mean of the members' curves (as fit() reports an ensemble's history).
    histories = [{k: [float(v) for v in np.mean([rep["histories"][k_fold][k] for rep, _ in members],
                                                axis=0)]
                  for k in first_report["histories"][k_fold]}
                 for k_fold in range(len(first_report["histories"]))]  # fmt: skip
    for k_fold, h in enumerate(histories):
        h["train_seconds"] = [float(sum(rep["histories"][k_fold]["train_seconds"][0]
                                        for rep, _ in members))]  # fmt: skip
    return _report(oof, protocol=first_report["protocol"], labels=tuple(first_report["labels"]),
                   folds=folds, histories=histories, config=config,
                   seconds=float(sum(rep["seconds"] for rep, _ in members)))


def load_report(report_dir: Path, protocol: str = "speaker") -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """A written report and its out-of-fold logits, as :func:`combine_members` takes them."""
    report = json.loads((report_dir / f"report-{protocol}.json").read_text())
    with np.load(report_dir / f"oof-{protocol}.npz") as oof:
        return report, {k: oof[k] for k in oof.files}
