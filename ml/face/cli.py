"""``python -m ml face train|evaluate|predict`` (called from :mod:`ml.__main__`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ml.cli_output import print_predictions


def cmd_train(args: argparse.Namespace) -> int:
    from ml.face.artifacts import save_face_model
    from ml.face.data import load_split
    from ml.face.model import FaceModelConfig
    from ml.face.train import FaceTrainConfig, TrainedFaceModel, train

    _configure_threads(args.threads)
    x, y = load_split("train", args.data)
    cfg = FaceTrainConfig(epochs=args.epochs or FaceTrainConfig.epochs, limit=args.limit,
                          seed=args.seed, split_seed=args.split_seed, model=FaceModelConfig())  # fmt: skip
    print(f"{len(y)} training images; {cfg.epochs} epochs", file=sys.stderr)

    def save(result: TrainedFaceModel) -> str:  # each better epoch, and the end
        return save_face_model(result.core, Path(args.out), train_config=cfg.to_dict(),
                               temperature=result.temperature, history=result.history,
                               held_out_accuracy=result.held_out_accuracy,
                               train_seconds=result.train_seconds)  # fmt: skip

    result = train(x, y, cfg, verbose=2 if args.verbose else 0, on_best=lambda r: print(f"saved {save(r)}"))
    version = save(result)
    print(f"saved {version} to {args.out} in {result.train_seconds:.0f} s (held-out accuracy "
          f"{result.held_out_accuracy:.3f}, temperature {result.temperature:.3f})")  # fmt: skip
    return 0


def _split_of(train: dict) -> tuple:
    """(fraction, seed, limit) of the held-out tenth a network was trained without."""
    seed = train["seed"] if train.get("split_seed") is None else train["split_seed"]
    return train["held_out"], seed, train["limit"]


def _ensemble_problem(configs: list[dict]) -> str | None:
    """Why these networks (their configs) cannot be joined into one ensemble, in a sentence (None: they can)."""
    versions = [c["version"] for c in configs]
    if len(set(versions)) != len(versions):
        return "the same network is named twice (an ensemble already holds it)"
    if len({_split_of(c["train"]) for c in configs}) != 1:
        return "the members were trained on different held-out splits (train them with one --split-seed)"
    if any(c["model"] != configs[0]["model"] for c in configs):
        return "the members have different architectures"
    return None


def cmd_ensemble(args: argparse.Namespace) -> int:
    """Join networks, or grow an ensemble: a member directory may itself be an ensemble, whose
    networks are taken in one by one."""
    import tempfile

    from ml.calibration import fit_temperature
    from ml.face.artifacts import load_face_networks, save_face_ensemble
    from ml.face.data import load_split
    from ml.face.predictor import FacePredictor
    from ml.face.train import held_out_split

    members = [Path(d) for d in args.members]
    missing = [d for d in members if not (d / "config.json").is_file()]
    networks = [] if missing else [n for d in members for n in load_face_networks(d)]
    problem = (f"{missing[0]} holds no model written by `face train` or `face ensemble`" if missing
               else _ensemble_problem([c for c, _ in networks]))  # fmt: skip
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    fraction, seed, _ = _split_of(networks[0][0]["train"])
    x, y = load_split("train", args.data)
    _, held = held_out_split(y, fraction, seed)
    out = Path(args.out)
    with tempfile.TemporaryDirectory() as tmp:  # the joined graph, to score before it is kept
        save_face_ensemble(networks, Path(tmp), temperature=1.0, held_out_accuracy=0.0)
        logits = FacePredictor.load(tmp).logits(x[held])  # the mean of its networks' logits
    accuracy = float((logits.argmax(axis=1) == y[held]).mean())
    temperature = fit_temperature(logits, y[held])
    version = save_face_ensemble(networks, out, temperature=temperature, held_out_accuracy=accuracy)
    print(f"saved {version} ({len(networks)} networks) to {out}: held-out accuracy {accuracy:.3f}, "
          f"temperature {temperature:.3f}")  # fmt: skip
    return 0


def _configure_threads(n: int) -> None:
    import tensorflow as tf

    if n:
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(1)


def add_parser(sub) -> None:  # noqa: ANN001 - argparse's subparsers action
    from ml.face.artifacts import DEFAULT_FACE_MODEL_DIR

    face = sub.add_parser("face", help="the face expression model: train, evaluate, predict")
    fsub = face.add_subparsers(dest="face_command", required=True)
    p = fsub.add_parser("train", help="train on FER-2013's training images and save the model")
    p.add_argument("--data", default=None, help="data dir (default $MOODIFY_DATA_DIR or ../shared/data)")
    p.add_argument("--epochs", type=int, default=0, help="epochs (default: FaceTrainConfig's)")
    p.add_argument("--limit", type=int, default=0, help="N training images drawn at random (smoke runs)")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--split-seed", type=int, default=None,
                   help="seed of the held-out tenth (default: --seed); ensemble members share one")
    p.add_argument("--threads", type=int, default=0, help="TensorFlow threads (default: all cores)")
    p.add_argument("--out", default=str(DEFAULT_FACE_MODEL_DIR))
    p.add_argument("-v", "--verbose", action="store_true")
    p.set_defaults(func=cmd_train, needs_tensorflow=True)
    p = fsub.add_parser("ensemble", help="join trained networks into one model whose logits are averaged, "
                                         "and fit its temperature on their shared held-out images")
    p.add_argument("members", nargs="+", help="model directories written by `face train`, or an ensemble "
                                              "to grow (its networks are kept)")
    p.add_argument("--data", default=None, help="data dir (default $MOODIFY_DATA_DIR or ../shared/data)")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_ensemble)
    add_serving_parsers(fsub)


def cmd_predict(args: argparse.Namespace) -> int:
    from ml.face.predictor import FacePredictor

    predictor = FacePredictor.load(args.model)
    return print_predictions(args.images, lambda f: predictor.predict([Path(f)]))


def cmd_evaluate(args: argparse.Namespace) -> int:
    from ml.face.artifacts import load_face_config
    from ml.face.data import load_split
    from ml.face.evaluate import evaluate_crops, evaluate_in_frames, write_report
    from ml.face.predictor import FacePredictor

    predictor = FacePredictor.load(args.model, threads=args.threads or None)
    x, y = load_split("val", args.data)
    report = evaluate_crops(predictor, x, y)
    extra = {"in_frame": evaluate_in_frames(predictor, x, y, n=args.in_frame)} if args.in_frame else {}
    if args.speed:
        extra["speed_ms"] = json.loads(Path(args.speed).read_text())["median_ms"]
    out = Path(args.model or predictor.model_dir)
    write_report(report, out, config=load_face_config(out), extra=extra)
    print(f"{report['model_version']}: accuracy {report['accuracy']:.3f}, macro recall "
          f"{report['macro_recall']:.3f}, ECE {report['ece']:.3f} on {report['images']} validation images")  # fmt: skip
    return 0


def add_serving_parsers(fsub) -> None:  # noqa: ANN001 - argparse's subparsers action
    p = fsub.add_parser("predict", help="facial expression of images, one JSON line each")
    p.add_argument("images", nargs="+")
    p.add_argument("--model", help="model directory (default: the shipped face model)")
    p.set_defaults(func=cmd_predict)
    p = fsub.add_parser("evaluate", help="score the model on FER-2013's validation images; "
                                         "write evaluation.json and MODEL_CARD.md beside it")
    p.add_argument("--data", default=None, help="data dir (default $MOODIFY_DATA_DIR or ../shared/data)")
    p.add_argument("--model", help="model directory (default: the shipped face model)")
    p.add_argument("--in-frame", type=int, default=600,
                   help="validation faces placed in 640x480 frames to score the whole path on (0: skip)")
    p.add_argument("--speed", help="benchmarks/bench_face.py --out JSON to quote in the card")
    p.add_argument("--threads", type=int, default=0)
    p.set_defaults(func=cmd_evaluate)
