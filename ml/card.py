"""Model card (JSON) assembled from the data, the training config and the evaluation reports."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

from typing import Any

from ml.datasets import Clip
from ml.config import TrainConfig
from ml.model import AcousticModelConfig, WhisperHeadConfig

LICENCE = (
    "Trained on RAVDESS (CC BY-NC-SA 4.0) and TESS (CC BY-NC-ND 4.0): the bundled model is for "
    "non-commercial use only. For commercial use, retrain on licensed data with "
    "`python -m ml evaluate --data DIR && python -m ml train --data DIR --out DIR`."
)
WHISPER_LICENCE = (
    " The frozen speech encoder is OpenAI Whisper tiny.en's (MIT licence, copyright OpenAI), "
    "shipped in ml/pretrained/."
)
LIMITATIONS = [
    "Acted, not spontaneous, emotional speech: real users express emotion less intensely.",
    "English only; 22 speakers (20 RAVDESS actors, 2 TESS actresses), North-American accents.",
    "TESS is 70% of the clips but only 2 speakers, so overall figures lean on two voices; "
    "the RAVDESS figures (20 speakers) are the better estimate for new voices.",
    "Trained on studio recordings plus simulated rooms and devices (synthetic reverberation, "
    "babble from the corpora's own voices, stationary noise, codecs, band limits, low levels); "
    "real rooms, microphones and background sounds (music, traffic, children) differ. See the "
    "robustness table for each condition's cost.",
    "Voice activity (Silero VAD) misses some strained or shouted voices; a second rule (frames far "
    "above the recording's own noise floor that Silero finds faintly voice-like) recovers most. "
    "A recording where neither finds 0.5 s of speech is refused with a sentence.",
    "Calm is merged into neutral and pleasant surprise into surprised.",
    "Happy is the weakest class across speakers (see per-class recall): the two TESS voices act "
    "happiness so differently that a model trained on one calls the other's angry or surprised.",
    "Recordings below 16 kHz (telephone quality) are refused: on 120 RAVDESS clips downsampled to "
    "8 kHz the acoustic model H (shipped until 2026-12-03) agreed with its own 16 kHz answer only "
    "22% of the time. The Whisper head agrees on 93% of the same clips (99% at 11.025 kHz), so "
    "the refusal may be lifted once accuracy on narrowband audio is measured. A Bluetooth headset "
    "in hands-free mode records such narrowband audio inside a 48 kHz file, which is not detected; "
    "answers on it are unreliable.",
    "An emotion estimate from a few seconds of voice is a guess, not a diagnosis.",
]


def _brief(report: dict | None) -> dict | None:
    if not report:
        return None
    out = {
        "protocol": report["protocol_description"],
        "overall": {k: report["overall"][k] for k in ("n", "accuracy", "uar")},
        "per_corpus": {c: {k: m[k] for k in ("n", "accuracy", "uar")}
                       for c, m in report["per_corpus"].items()},  # fmt: skip
        "per_class": report["overall"]["per_class"],
        "folds": report["folds"],
        "best_fold": report["best_fold"],
    }
    if "calibration" in report:
        cal = report["calibration"]
        from ml.calibration import shipped_temperature

        out["calibration"] = {k: cal[k] for k in ("temperature", "ece_before", "ece_after_crossfitted")}
        t = shipped_temperature(cal)
        out["calibration"]["shipped_temperature"] = t
        out["calibration"]["method"] = "temperature" if t != 1.0 else "none"
    return out


def _robustness(report: dict | None) -> dict | None:
    if not report or not report.get("robustness"):
        return None
    from ml.evaluate import robustness_rows
    from ml.rooms import CONDITIONS

    return {"protocol": report["protocol_description"],
            "conditions": {n: {"description": CONDITIONS[n].description, "per_corpus": r}
                           for n, r in robustness_rows(report).items()}}  # fmt: skip


def data_summary(clips: list[Clip]) -> dict[str, Any]:
    corpora: dict[str, dict[str, int]] = {}
    for c in clips:
        corpora.setdefault(c.corpus, {"clips": 0, "speakers": 0})["clips"] += 1
    for corpus in corpora:
        corpora[corpus]["speakers"] = len({c.speaker for c in clips if c.corpus == corpus})
    return {"corpora": corpora, "clips": len(clips), "speakers": len({c.speaker for c in clips})}


def _member_notes(member: TrainConfig) -> list[str]:
    """How one ensemble member differs from the base network, in words."""
    notes = []
    model = member.model
    if isinstance(model, AcousticModelConfig):  # the architecture options are the Conv1D network's
        if model.relative_features:
            notes.append(f"utterance-relative copies of {model.relative_features} feature columns")
        if model.recurrent_units:
            notes.append(f"BiGRU ({model.recurrent_units} units per direction) before pooling")
    if member.speaker_adversarial:
        notes.append(f"speaker-adversarial training (gradient reversal, scale {member.speaker_adversarial})")
    return notes


def augmentation_text(config: TrainConfig) -> str:
    """The training-fold augmentation of ``config``, in words."""
    r = config.room
    if config.model.frontend.room_copies:
        if not config.use_augmented or r.variants <= 0:
            return "no augmented copies"
        return (f"{r.variants} room/device copies per training clip, one of the clip and its copies "
                f"drawn per epoch, each a random chain: synthetic reverberation RT60 "
                f"{r.rt60_s[0]:g}-{r.rt60_s[1]:g} s (p {r.p_reverb:g}); six voices of the same "
                f"training fold's other speakers at {r.babble_snr_db[0]:g}-{r.babble_snr_db[1]:g} dB "
                f"SNR (p {r.p_babble:g}) or white/pink/brown noise or mains hum at "
                f"{r.noise_snr_db[0]:g}-{r.noise_snr_db[1]:g} dB SNR (p {r.p_noise:g}); a 100-300 Hz "
                f"to 3.4-7 kHz band limit (p {r.p_band:g}); an Opus 16/24/32 kbit/s or MP3 round trip "
                f"(p {r.p_codec:g}); a level {r.gain_db[0]:g} to {r.gain_db[1]:g} dB stored as "
                f"16-bit (p {r.p_gain:g}); "
                + (f"and {r.babble_copies} more per clip with only six voices of the same training "
                   f"fold's other speakers behind it at {r.babble_copy_snr_db:g} dB SNR (RAVDESS; each "
                   "TESS voice is a fold of its own, so TESS clips get none); "
                   if r.babble_copies else "")
                + (f"{r.quiet_copies} more played back {-r.quiet_copy_gain_db[1]:g}-{-r.quiet_copy_gain_db[0]:g} "
                   "dB quieter and stored as 16-bit (a phone on the table); " if r.quiet_copies else "")
                + (f"{r.reverb_copies} more in a synthetic room only (RT60 {r.rt60_s[0]:g}-{r.rt60_s[1]:g} s); "
                   if r.reverb_copies else "")
                + "each copy then goes through voice activity and level normalisation as a user's "
                "recording does")
    a = config.augment
    if not config.use_augmented or a.variants <= 0:
        return "no augmented copies (SpecAugment masking in the model only)"
    parts = [f"pitch shift +-{a.pitch_semitones:g} semitones (p {a.p_pitch:g})",
             f"time stretch +-{100 * a.stretch:g}% (p {a.p_stretch:g})",
             f"speed +-{100 * a.speed:g}% (p {a.p_speed:g})",
             f"white or pink noise at {a.snr_db[0]:g}-{a.snr_db[1]:g} dB SNR (p {a.p_noise:g})"]
    if a.vtlp > 0:
        parts.append(f"vocal tract length perturbation +-{100 * a.vtlp:g}% (p {a.p_vtlp:g})")
    if a.channel_db > 0:
        parts.append(f"microphone/room colouring: random smooth EQ up to +-{a.channel_db:g} dB, "
                     f"sometimes band-limited (p {a.p_channel:g})")
    return (f"{a.variants} augmented copies per training clip, one drawn per epoch: "
            + "; ".join(parts) + "; SpecAugment time/feature masks in the model")


def _targets(cv_report: dict | None) -> dict[str, Any] | None:
    """The project's accuracy targets against the speaker-independent evaluation."""
    if not cv_report:
        return None
    rav = cv_report["per_corpus"].get("ravdess", {}).get("accuracy")
    uar = cv_report["overall"]["uar"]
    return {
        "ravdess_accuracy_target": 0.70, "ravdess_accuracy": rav,
        "ravdess_met": bool(rav is not None and rav >= 0.70),
        "overall_uar_target": 0.70, "overall_uar": uar, "overall_uar_met": bool(uar >= 0.70),
    }  # fmt: skip


def _architecture(config: TrainConfig) -> str:
    """The model in one line: its front end, its head, and the ensemble it may be part of."""
    model = config.model
    if isinstance(model, WhisperHeadConfig):
        head = (f"dense {model.head_units} (GELU) -> " if model.head_units else "")
        architecture = ("Whisper log-mel (80 bands, 25/10 ms) -> frozen Whisper tiny.en audio encoder "
                        "(2 Conv1D layers + 4 transformer blocks, 7.6 M parameters, pretrained on "
                        "680,000 h of speech by OpenAI) -> mean and standard deviation over time of "
                        "the stem's, each block's and the final layer norm's outputs (4,608 values) "
                        f"-> standardise -> dropout {model.embedding_dropout:g} -> {head}"
                        "softmax with temperature; only the head is trained here")
    else:
        architecture = ("176 per-frame features (log-mel 64, MFCC 40 + deltas, chroma, contrast, "
                        "tonnetz, ZCR, RMS, centroid, bandwidth, rolloff, pitch) from one STFT "
                        "(512/256 at 16 kHz) -> 3 Conv1D blocks -> attentive mean/std pooling -> "
                        "dense -> softmax with temperature")
    if isinstance(model, WhisperHeadConfig) and model.members > 1:
        architecture += (f"; {model.members} such heads, trained with different seeds, folded into one "
                         f"head (dense {model.head_units * model.members}) whose logits are the mean of theirs")
    elif config.model.members > 1:
        architecture += (f"; {config.model.members} such networks, trained with different seeds, in one "
                         "graph that averages their logits")
        kinds = Counter(" + ".join(_member_notes(config.member(i))) or "plain"
                        for i in range(config.model.members))  # fmt: skip
        if len(kinds) > 1:
            architecture += " (" + "; ".join(f"{n} {kind}" for kind, n in kinds.items()) + ")"
    return architecture


def _random_brief(report: dict | None, config: TrainConfig) -> dict | None:
    """The random-split evaluation, noted when it was measured with another training config."""
    brief = _brief(report)
    # Compared as configs, not as dicts: a report saved in an older config format may describe
    # the same training.
    measured_with = report and report.get("train_config")
    if brief and (not measured_with or TrainConfig.from_dict(measured_with) != config):
        brief["config_note"] = ("measured with an earlier training configuration (its "
                                "report's train_config), not re-run for the shipped one")
    return brief


# The card's title per front end.
CARD_NAMES = {
    "whisper": "Moodify speech emotion recognition (frozen Whisper tiny.en encoder + dense head)",
    "acoustic": "Moodify speech emotion recognition (Conv1D + attentive pooling)",
}
INPUTS = ("any wav/flac/ogg/opus/mp3/webm/mp4 recording up to 60 s with at least 0.5 s of "
          "speech; decoded to 16 kHz mono; the speech found by voice activity (Silero VAD) "
          "is kept, RMS-normalised and cut into equal windows of at most 5 s, each scored "
          "by the model; the recording's result averages the windows' logits, and the "
          "windows form its timeline")


def build_card(data: dict[str, Any], config: TrainConfig, *, cv_report: dict | None,
               report_dir: Path, train_seconds: dict[str, float]) -> dict[str, Any]:
    def load(name: str) -> dict | None:
        p = report_dir / name
        return json.loads(p.read_text()) if p.exists() else None

    return {
        "name": CARD_NAMES[config.model.frontend.name],
        "targets": _targets(cv_report),
        "labels": list(cv_report["labels"]) if cv_report else None,
        "label_map": config.label_map,
        "inputs": INPUTS,
        "architecture": _architecture(config),
        "data": data,
        "evaluation_speaker_independent": _brief(cv_report),
        "robustness": _robustness(cv_report),
        "evaluation_random_split_not_speaker_independent": _random_brief(load("report-random.json"), config),
        "evaluation_cross_corpus": _brief(load("report-corpus.json")),
        "baseline_svm_speaker_independent": load("baseline-svm.json"),
        "variants_tried": load("variants.json"),
        "serving": load("serving.json"),
        "personal_voice": _personal_voice(load("personal-voice.json")),
        "personal_voice_loso": _personal_voice(load("personal-voice-loso.json")),
        "training": {"config": config.to_dict(), "seconds": train_seconds,
                     "augmentation": augmentation_text(config),
                     "note": "final model trained on all clips (+ augmented copies) for the "
                             "fixed epoch budget that cross-validation used"},  # fmt: skip
        "limitations": LIMITATIONS,
        "licence": LICENCE + (WHISPER_LICENCE if config.model.frontend.pretrained_encoder else ""),
    }


def _personal_voice(report: dict | None) -> dict | None:
    """The personal-voice evaluation without its per-speaker rows (those stay in the report)."""
    if report is None:
        return None
    return {**{k: v for k, v in report.items() if k != "k"},
            "k": {k: {t: v for t, v in tables.items() if t != "per_speaker"} for k, tables in report["k"].items()}}


PERSONAL_VOICE_TABLES = {
    "ravdess": "RAVDESS speakers (head trained without the speaker)",
    "tess_within": "TESS speakers (head trained on the other TESS speaker, RAVDESS)",
    "tess_across_corpora": "across corpora: TESS speakers, head trained without TESS",
}


def _personal_voice_markdown(pv: dict | None, *, title: str = "## Personal voice",
                              report: str = "personal-voice.json") -> list[str]:
    if not pv:
        return []
    lines = [title, "",
             "Each user's confirmations and corrections build a small adapter (`ml/personal.py`): their "
             "voice's offset from the training voices, shrunk by n / (n + tau), and used only when it does "
             f"not lower leave-one-out accuracy on their own examples. Protocol: {pv['protocol_text']} "
             f"Enrolment: {pv['enrolment']}; every other clip of the speaker is scored. Methods: "
             + "; ".join(f"`{m}` {c}" for m, c in pv.get("method_text", {}).items()) + ".", "",
             "| K | speakers | method | mean accuracy | spread (sd) | worst speaker | mean change | largest loss "
             "| speakers worse by > 2 points |",
             "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for k, tables in pv["k"].items():
        for table, title in PERSONAL_VOICE_TABLES.items():
            for method, v in tables.get(table, {}).items():
                if int(k) == 0 and method != "none":
                    continue
                lines.append(f"| {k} | {title} | {method} | {v['mean']:.1f}% | {v['std']:.1f} | "
                             f"{v['worst_speaker']} {v['worst']:.1f}% | {v['mean_change']:+.1f} | "
                             f"{v['largest_loss']:+.1f} | {v['speakers_worse_by_over_2']} |")  # fmt: skip
    lines += ["", f"Per speaker: `evaluation/{report}`. {pv.get('note', '')}", ""]
    return lines


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def refresh_card(model_dir: Path, report_dir: Path | None = None) -> dict[str, Any]:
    """Rebuild a saved model's card from its evaluation reports (e.g. after a new evaluation),
    keeping its version, data summary and measured training time."""
    cfg = json.loads((model_dir / "config.json").read_text())
    old = json.loads((model_dir / "model_card.json").read_text())
    report_dir = report_dir or model_dir / "evaluation"
    cv_path = report_dir / "report-speaker.json"
    cv = json.loads(cv_path.read_text()) if cv_path.exists() else None
    card = build_card(old["data"], TrainConfig.from_dict(cfg["train"]), cv_report=cv,
                      report_dir=report_dir, train_seconds=old["training"]["seconds"])  # fmt: skip
    card["version"] = cfg["version"]
    write_card(model_dir, card)
    return card


def write_card(model_dir: Path, card: dict[str, Any]) -> None:
    """``model_card.json``, and ``MODEL_CARD.md`` rendered from it when the card names its model."""
    (model_dir / "model_card.json").write_text(json.dumps(card, indent=2))
    if card.get("name"):
        (model_dir / "MODEL_CARD.md").write_text(render_markdown(card))


def render_markdown(card: dict) -> str:
    """MODEL_CARD.md from the JSON card, so the two never disagree."""
    lines = _overview_markdown(card)
    lines += _evaluation_markdown(card.get("evaluation_speaker_independent"))
    lines += _robustness_markdown(card.get("robustness"))
    lines += _targets_markdown(card.get("targets"))
    lines += _random_split_markdown(card.get("evaluation_random_split_not_speaker_independent"))
    lines += _cross_corpus_markdown(card.get("evaluation_cross_corpus"))
    lines += _baseline_markdown(card.get("baseline_svm_speaker_independent"))
    lines += _variants_markdown(card.get("variants_tried"))
    lines += _serving_markdown(card.get("serving"))
    lines += _personal_voice_markdown(card.get("personal_voice"))
    lines += _personal_voice_markdown(card.get("personal_voice_loso"), title="### Personal voice, leaving one speaker out",
                                      report="personal-voice-loso.json")  # fmt: skip
    lines += _training_markdown(card["training"])
    lines += ["## Limitations", ""] + [f"- {x}" for x in card["limitations"]] + [""]
    return "\n".join(lines)


def _overview_markdown(card: dict) -> list[str]:
    """Name, version, intended use, licence, data and architecture."""
    lines = [f"# Model card: {card['name']}", "", f"Version: `{card['version']}`", ""]
    lines += ["## Intended use", "",
              "Estimate the emotion in a few seconds of a user's speech to choose music. Labels: "
              + ", ".join(card["labels"] or []) + ". Not for any decision about a person.", ""]  # fmt: skip
    lines += ["## Licence", "", card["licence"], ""]
    d = card["data"]
    lines += ["## Data", "", f"{d['clips']} clips, {d['speakers']} speakers: "
              + ", ".join(f"{k} ({v['clips']} clips, {v['speakers']} speakers)"
                          for k, v in d["corpora"].items()) + ".", ""]  # fmt: skip
    lines += ["## Model", "", card["architecture"] + ".", ""]
    return lines


def _evaluation_markdown(ev: dict | None) -> list[str]:
    """The quoted evaluation, per corpus, class and fold, and its calibration."""
    if not ev:
        return []
    lines = ["## Evaluation (quoted): " + ev["protocol"], "",
              "| part | clips | accuracy | UAR |", "|---|---|---|---|",
              f"| overall | {ev['overall']['n']} | {_pct(ev['overall']['accuracy'])} | "
              f"{_pct(ev['overall']['uar'])} |"]  # fmt: skip
    for c, m in ev["per_corpus"].items():
        lines.append(f"| {c} | {m['n']} | {_pct(m['accuracy'])} | {_pct(m['uar'])} |")
    lines += ["", "Per class (all corpora):", "", "| class | precision | recall | F1 |",
              "|---|---|---|---|"]  # fmt: skip
    for lab, m in ev["per_class"].items():
        lines.append(f"| {lab} | {_pct(m['precision'])} | {_pct(m['recall'])} | {_pct(m['f1'])} |")
    lines += ["", "Folds (test speakers, accuracy): " + "; ".join(
        f"{f['fold'] + 1}: {', '.join(f['test_speakers'])} -> {_pct(f['accuracy'])}"
        for f in ev["folds"]) + ".", "",
        f"Best fold (reported as the reference systems do; it says little because each fold "
        f"has different speakers): fold {ev['best_fold']['fold'] + 1}, "
        f"{_pct(ev['best_fold']['accuracy'])}. The shipped model is trained on all data.", ""]  # fmt: skip
    cal = ev.get("calibration")
    if cal:
        shipped = cal.get("method", "temperature") == "temperature"
        lines += ["## Calibration", "",
                  f"Temperature scaling fitted on the out-of-fold logits: T = "
                  f"{cal['temperature']:.3f}. Expected calibration error (15 bins): "
                  f"{cal['ece_before']:.3f} without scaling, {cal['ece_after_crossfitted']:.3f} "
                  "with it (cross-fitted: each fold scaled with a temperature fitted on the "
                  "others). Shipped: "
                  + (f"temperature scaling (T = {cal['shipped_temperature']:.3f}), because it "
                     "lowers the held-out ECE." if shipped else
                     "no scaling (T = 1), because the temperature did not lower the held-out "
                     "ECE."), ""]  # fmt: skip
    return lines


def _robustness_markdown(rb: dict | None) -> list[str]:
    """The robustness table: each condition's accuracy on held-out speakers."""
    if not rb:
        return []
    clean = rb["conditions"]["clean"]["per_corpus"]
    lines = ["## Robustness: held-out speakers as devices and rooms deliver them", "",
              "Each fold's model scores its own held-out speakers' clips transformed as below "
              "(all RAVDESS clips, every 8th TESS clip; babble voices always from other folds). "
              "Accuracy counts a refused clip (no speech found) as wrong.", "",
              "| condition | RAVDESS acc (UAR) | vs clean | TESS acc (UAR) | refused |",
              "|---|---|---|---|---|"]  # fmt: skip
    for name, row in rb["conditions"].items():
        pc = row["per_corpus"]
        cells = []
        for corpus in ("ravdess", "tess"):
            m = pc.get(corpus)
            cells.append("n/a" if m is None else
                         f"{_pct(m['accuracy_with_refusals'])} ({_pct(m['uar'])})")
        rav = pc.get("ravdess")
        delta = ("" if rav is None or "ravdess" not in clean else
                 f"{100 * (rav['accuracy_with_refusals'] - clean['ravdess']['accuracy_with_refusals']):+.1f}")
        refused = sum(m["refused"] for m in pc.values())
        total = sum(m["n"] for m in pc.values())
        lines.append(f"| {name}: {row['description']} | {cells[0]} | {delta} | {cells[1]} | "
                     f"{refused} of {total} |")
    lines += ["", "![robustness](evaluation/robustness-speaker.png)", ""]
    return lines


def _targets_markdown(tg: dict | None) -> list[str]:
    """Whether the two accuracy targets are met."""
    if not tg:
        return []
    verdict = lambda ok: "met" if ok else "**not met**"  # noqa: E731
    lines = ["## Targets", "",
              f"- RAVDESS accuracy >= 70% (speaker-independent): {_pct(tg['ravdess_accuracy'])}"
              f" -- {verdict(tg['ravdess_met'])}.",
              f"- Overall UAR >= 70% (speaker-independent): {_pct(tg['overall_uar'])} -- "
              f"{verdict(tg['overall_uar_met'])}.", ""]  # fmt: skip
    return lines


def _random_split_markdown(rnd: dict | None) -> list[str]:
    """The random split's figures, for comparison with the reference systems only."""
    if not rnd:
        return []
    lines = ["## Not speaker-independent (for comparison with the reference systems only)",
              "", f"{rnd['protocol']}: overall accuracy {_pct(rnd['overall']['accuracy'])}, "
              + ", ".join(f"{c} {_pct(m['accuracy'])}" for c, m in rnd["per_corpus"].items())
              + ". The same voices are in training and test, so this overstates accuracy on "
              "new users." + (f" ({rnd['config_note']}.)" if rnd.get("config_note") else ""), ""]  # fmt: skip
    return lines


def _cross_corpus_markdown(xc: dict | None) -> list[str]:
    """Leave-one-corpus-out figures."""
    if not xc:
        return []
    lines = ["## A corpus never seen: " + xc["protocol"], "",
              "Each corpus tested on a model trained only on the other (new speakers, "
              "microphones, scripts and acting style at once): "
              + ", ".join(f"{c} accuracy {_pct(m['accuracy'])} (UAR {_pct(m['uar'])})"
                          for c, m in xc["per_corpus"].items())
              + f". Confidence is overstated there (ECE {xc['calibration']['ece_before']:.3f}). "
              "The shipped model learns from both corpora, so a third should fare better than "
              "these one-corpus transfers, but expect it well below the speaker-independent "
              "figures.", ""]  # fmt: skip
    return lines


def _baseline_markdown(base: dict | None) -> list[str]:
    """The SVM baseline, plain and on features standardised per speaker."""
    if not base:
        return []
    lines = ["## Baseline", "", "SVM on per-clip mean/std of the 176 acoustic features, SMOTE in "
              f"training folds, same speaker-grouped folds: overall {_pct(base['overall_accuracy'])}"
              f" accuracy, UAR {_pct(base['overall_uar'])}, RAVDESS "
              f"{_pct(base.get('ravdess_accuracy'))}, TESS {_pct(base.get('tess_accuracy'))}.",
              ""]  # fmt: skip
    sn = base.get("speaker_normalised")
    if sn:
        lines += ["The same SVM with each speaker's features standardised by that speaker's own "
                  "mean and deviation over all of their clips (unlabelled; in the product this "
                  f"would need a user's past recordings): overall {_pct(sn['overall_accuracy'])}"
                  f", UAR {_pct(sn['overall_uar'])}, RAVDESS {_pct(sn.get('ravdess_accuracy'))}"
                  f", TESS {_pct(sn.get('tess_accuracy'))}. The shipped model does not use it: "
                  "it classifies each recording on its own.", ""]  # fmt: skip
    return lines


def _variants_markdown(variants: list[dict] | None) -> list[str]:
    """The variants table."""
    if not variants:
        return []
    lines = ["## Variants tried (speaker-independent 5-fold CV)", "",
              "| variant | overall acc | UAR | RAVDESS acc | TESS acc | ECE raw / T-scaled |"
              " note |", "|---|---|---|---|---|---|---|"]  # fmt: skip
    for v in variants:
        ece = " / ".join("n/a" if v.get(k) is None else f"{v[k]:.3f}" for k in ("ece_before", "ece_after"))
        lines.append(f"| {v['name']} | {_pct(v.get('accuracy'))} | {_pct(v.get('uar'))} | "
                     f"{_pct(v.get('ravdess_accuracy'))} | {_pct(v.get('tess_accuracy'))} | "
                     f"{ece} | {v.get('note', '')} |")  # fmt: skip
    lines.append("")
    return lines


def _training_markdown(tr: dict) -> list[str]:
    """What the final model was trained on, for how long, and how to retrain it."""
    secs = tr["seconds"]
    return ["## Training", "",
            "Final model: all clips"
            + (" plus augmented copies" if tr["config"].get("use_augmented", True) else "")
            + f", {tr['config']['epochs']} epochs "
            f"(fixed budget, cosine schedule; no early stopping on test speakers). Time on this "
            f"machine (2 CPU cores): features {secs['features']:.0f} s "
            + _features_time(secs)
            + f", fit {secs['fit']:.0f} s, total {secs['total']:.0f} s.", "",
            *([f"Augmentation (training folds only): {tr['augmentation']}.", ""]
              if tr.get("augmentation") else []),
            "Retrain: see `ml/README.md`.", ""]  # fmt: skip


def _features_time(secs: dict) -> str:
    if secs["features"] >= 60:
        return "(extracted from scratch)"
    cold = float(secs.get("features_cold", float("nan")))
    if math.isnan(cold):
        # Caches written before extraction times were kept, or cut from a larger extraction.
        return "(from a cache whose extraction time was not recorded)"
    return f"(from the cache; extracting them from scratch took {cold:.0f} s)"


def _serving_markdown(sv: dict | None) -> list[str]:
    """What the worker runs, held against the float reference (``evaluation/serving.json``)."""
    if not sv:
        return []
    lines = ["## Serving", "", sv["runtime"] + ".", ""]
    cv = sv.get("si_cv")
    if cv:
        lines += [f"Speaker-independent 5-fold CV re-run ({cv['when']}): each fold's head scored its "
                  "held-out speakers' clips embedded by the float encoder and by the served one.", "",
                  "| encoder | RAVDESS acc (UAR) | TESS acc (UAR) | refused |", "|---|---|---|---|"]  # fmt: skip
        for name in ("float", "served"):
            row = cv[name]
            lines.append(f"| {name} | {_pct(row['ravdess']['accuracy_with_refusals'])} "
                         f"({_pct(row['ravdess']['uar'])}) | {_pct(row['tess']['accuracy_with_refusals'])} "
                         f"({_pct(row['tess']['uar'])}) | {row['refused']} |")  # fmt: skip
        lines.append("")
    lines += [f"- {x}" for x in sv.get("checks", [])] + [""]
    return lines
