"""Can a better-chosen adapter reach issue 19's K = 7 target (+5 points on RAVDESS speakers, none
worse by more than 2) with the shipped recipe's heads (RB2x3), and how much of a choice made on
the scored speakers is selection luck?

A grid of the shipped adapter's own family (voice offset shrunk by n / (n + tau); hidden-layer
class prototypes of weight w, per-class shrink s and cosine temperature t; the leave-one-out
guard on) is scored on the saved leave-one-speaker-out and speaker-fold heads of
``python -m ml evaluate-adapt`` (fitted when missing). Two figures per protocol:

- *in-sample*: the best configuration picked on all the speakers it is then scored on
  (optimistic: 61 tries at a target one clip wide);
- *nested*: for each held-out actor in turn, the configuration is picked on the other actors
  (highest mean gain, 3 points off per actor worse by more than 2) and scored on that actor alone,
  which is what choosing by this evaluation really delivers for a new voice.

    PYTHONPATH=. python research/experiments/adapter_selection.py

Measured 2026-12-07 (``adapter_selection.json``; README, "Personal voice").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ml.personal import AdapterConfig

OUT = Path(__file__).with_suffix(".json")
K = 7
PENALTY = 3.0  # points off the mean gain for each actor worse by more than 2 points


def grid() -> dict[str, AdapterConfig]:
    from ml.personal import AdapterConfig

    configs = {}
    for tau in (4.0, 5.0, 6.0, 7.0, 8.0):
        configs[f"tau{tau:g}"] = AdapterConfig(tau=tau)
        for w in (0.25, 0.5, 0.75):
            for shrink in (1.0, 2.0, 4.0):
                for temp in (0.05, 0.1, 0.2):
                    configs[f"tau{tau:g}_w{w:g}_s{shrink:g}_t{temp:g}"] = AdapterConfig(
                        tau=tau, prototype_weight=w, prototype_shrink=shrink, prototype_temperature=temp)
    return configs


def gains(report: dict) -> tuple[list[str], list[str], np.ndarray]:
    """(methods, RAVDESS actors, points gained per actor and method) at K."""
    per = report["k"][str(K)]["per_speaker"]["speaker folds"]
    actors = sorted(s for s in per if s.startswith("RAV"))
    methods = list(report["methods"])
    return methods, actors, 100 * np.array([[per[a][m] - per[a]["none"] for m in methods] for a in actors])


def choose(block: np.ndarray) -> int:
    return int(np.argmax(block.mean(axis=0) - PENALTY * (block < -2 + 1e-9).sum(axis=0)))


def summarise(methods: list[str], actors: list[str], g: np.ndarray) -> dict[str, object]:
    def row(x: np.ndarray) -> dict[str, float | int]:
        return {"mean_change": round(float(x.mean()), 2), "actors_worse_by_over_2": int((x < -2 + 1e-9).sum()),
                "largest_loss": round(float(x.min()), 1)}

    best = choose(g)
    nested = np.array([g[i, choose(np.delete(g, i, axis=0))] for i in range(len(actors))])
    shipped = methods.index("tau7")
    return {"in_sample_best": {"config": methods[best], **row(g[:, best])},
            "nested": row(nested), "shipped_tau7": row(g[:, shipped])}


def main() -> None:
    from ml.personal_eval import evaluate_adapters, fit_heads, shipped_recipe_data

    config, fs, targets, head_dir = shipped_recipe_data()
    recipe = head_dir.name
    configs = grid()
    out: dict[str, object] = {"k": K, "configs": len(configs), "recipe": recipe, "penalty": PENALTY}
    for protocol in ("loso", "folds"):
        heads = fit_heads(fs, targets, head_dir, config, protocol)
        report = evaluate_adapters(fs, targets, heads, configs, ks=(K,), protocol=protocol)
        out[protocol] = summarise(*gains(report))
        print(protocol, json.dumps(out[protocol]))
    OUT.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
