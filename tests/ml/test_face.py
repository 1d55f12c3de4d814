"""The face expression path as the worker and the CLI run it: validation faces placed in larger
frames are found where they are and read, a frame without a face is a clear error, and the served
ONNX graph computes what the Keras model does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ml.errors import ImageDecodeError, NoFaceError

ROOT = Path(__file__).resolve().parents[2]


def _has_faces() -> bool:
    from ml.face.data import data_dir

    return (data_dir() / "val").is_dir()


needs_faces = pytest.mark.skipif(not _has_faces(), reason="FER-2013 not found under the shared data dir")


@pytest.fixture(scope="module")
def face_predictor():
    from ml.face import FacePredictor

    return FacePredictor.load()


@pytest.fixture(scope="module")
def val_faces():
    from ml.face.data import load_split

    x, y = load_split("val")
    idx = np.random.default_rng(21).choice(len(y), 120, replace=False)
    return x[idx], y[idx]


@needs_faces
def test_faces_in_larger_frames_are_found_where_they_are_and_read(face_predictor, val_faces) -> None:
    from ml.face.detect import find_face
    from ml.face.framing import place_in_frame

    x, y = val_faces
    rng = np.random.default_rng(5)
    found = right = 0
    for face, label in zip(x, y, strict=True):
        frame = place_in_frame(face, rng, face_px=160)
        # Where the face went: the only 160x160 block that differs from the smooth background.
        ys, xs = np.nonzero(np.abs(np.diff(frame.astype(int), axis=1)) > 60)
        try:
            box = find_face(frame)
        except NoFaceError:
            continue
        found += 1
        cx, cy = box.x + box.width / 2, box.y + box.height / 2
        assert xs.min() - 10 <= cx <= xs.max() + 10 and ys.min() - 10 <= cy <= ys.max() + 10
        assert 60 <= box.width <= 320  # about the face, not a speck or the whole frame
        right += face_predictor.predict([frame]).label == face_predictor.labels[label]
    # FER-2013's crops are tight (no hair, ears or chin around them), which is harder for the
    # cascade than a webcam frame; the model card quotes the full figure.
    assert found >= 0.5 * len(y), f"a face was found in only {found} of {len(y)} frames"
    # Chance is 1 in 7 and always answering "happy" would be right about 1 in 4.
    assert right >= 0.4 * found, f"{right} of {found} found faces read right"


@needs_faces
def test_several_frames_skip_those_without_a_face(face_predictor, val_faces) -> None:
    from ml.face.framing import place_in_frame

    x, _ = val_faces
    rng = np.random.default_rng(9)
    frames = [place_in_frame(f, rng) for f in x[:12]]
    with_face = []
    for f in frames:
        try:
            face_predictor.predict([f])
            with_face.append(f)
        except NoFaceError:
            pass
    blank = np.full((480, 640), 120, np.uint8)
    p = face_predictor.predict([blank, with_face[0], blank])
    assert (p.frames_used, p.frames_total) == (1, 3)
    assert p.boxes[0] is None and p.boxes[1] is not None
    assert p.probabilities == face_predictor.predict([with_face[0]]).probabilities
    assert abs(sum(p.probabilities.values()) - 1) < 1e-4 and p.confidence == max(p.probabilities.values())


def test_no_face_and_not_a_picture_are_clear_errors(face_predictor) -> None:
    import cv2

    ok, png = cv2.imencode(".png", np.full((240, 320), 128, np.uint8))
    with pytest.raises(NoFaceError, match="could not find a face"):
        face_predictor.predict([png.tobytes()])
    with pytest.raises(ImageDecodeError, match="JPEG or PNG"):
        face_predictor.predict([b"not a picture"])
    with pytest.raises(ImageDecodeError):
        face_predictor.predict([b""])


def test_cli_prints_one_json_line_per_image_and_exits_2_on_a_frame_without_face(tmp_path: Path, val_faces) -> None:
    import json

    import cv2

    from ml.face.framing import place_in_frame

    x, _ = val_faces
    rng = np.random.default_rng(3)
    good = None
    for i, face in enumerate(x[:20]):
        frame = place_in_frame(face, rng)
        path = tmp_path / f"face{i}.jpg"
        cv2.imwrite(str(path), frame)
        if subprocess.run([sys.executable, "-m", "ml", "face", "predict", str(path)], cwd=ROOT,
                          capture_output=True).returncode == 0:  # fmt: skip
            good = path
            break
    assert good is not None
    blank = tmp_path / "wall.png"
    cv2.imwrite(str(blank), np.full((240, 320), 90, np.uint8))
    out = subprocess.run([sys.executable, "-m", "ml", "face", "predict", str(good), str(blank)], cwd=ROOT,
                         capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 2
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 1
    row = json.loads(lines[0])
    assert set(row) == {"file", "emotion", "confidence", "probabilities"} and row["file"] == str(good)
    assert row["emotion"] in row["probabilities"] and len(row["probabilities"]) == 7
    err = out.stderr.strip().splitlines()
    assert len(err) == 1 and "could not find a face" in err[0] and "wall.png" in err[0]


def test_served_graph_computes_what_the_keras_model_does(face_predictor) -> None:
    from ml.face.artifacts import load_face_weights
    from ml.face.model import FaceModelConfig, build_core
    from ml.face.preprocess import mirror_averaged, normalise

    crops = (np.random.default_rng(0).random((5, 48, 48)) * 255).astype(np.uint8)
    refs = []
    for weights in load_face_weights(face_predictor.model_dir):  # each network of the ensemble
        core = build_core(FaceModelConfig.from_dict(face_predictor.config["model"]))
        for layer in core.layers:
            arrays = [weights[f"{layer.name}/{i}"] for i in range(len(layer.get_weights()))]
            if arrays:
                layer.set_weights(arrays)
        refs.append(mirror_averaged(lambda x: core.predict(x, verbose=0), normalise(crops)))  # noqa: B023
    ref = np.mean(refs, axis=0)
    np.testing.assert_allclose(face_predictor.logits(crops), ref, atol=1e-4)


def test_a_mirrored_camera_reads_the_same_expression(face_predictor) -> None:
    """Front cameras and browsers mirror the picture or not; the answer must not depend on it."""
    from ml.face.data import load_split

    x, _ = load_split("val")
    crops = x[:: len(x) // 40][:40]
    np.testing.assert_allclose(face_predictor.logits(crops[:, :, ::-1]), face_predictor.logits(crops), atol=1e-4)


def test_warm_up_loads_the_detector_before_the_first_camera_submission(face_predictor) -> None:
    """A worker warms up before it takes work: the first frame must not pay for loading the detector."""
    import threading

    from ml.face import detect

    loaded: list[bool] = []

    def in_a_fresh_thread() -> None:  # the detector is per thread, as the worker's pool process runs it
        face_predictor.warm_up()
        loaded.append(getattr(detect._local, "cascade", None) is not None)

    thread = threading.Thread(target=in_a_fresh_thread)
    thread.start()
    thread.join()
    assert loaded == [True]


def _network_dir(tmp_path: Path, ensemble_dir: Path, i: int, **train_changes: object) -> Path:
    """Network ``i`` of the shipped ensemble, written as `face train` writes a single network."""
    import json

    from ml.face.artifacts import load_face_config, load_face_weights

    cfg = load_face_config(ensemble_dir)
    net = cfg["members"]["networks"][i]
    d = tmp_path / f"net{i}-{len(train_changes)}"
    d.mkdir()
    np.savez(d / "weights.npz", **load_face_weights(ensemble_dir)[i])
    (d / "config.json").write_text(json.dumps({**net, "labels": cfg["labels"], "temperature": 1.0,
                                               "model": cfg["model"], "train": {**net["train"], **train_changes}}))  # fmt: skip
    return d


def test_an_ensemble_answers_with_the_mean_of_its_networks_logits(face_predictor, tmp_path: Path) -> None:
    from ml.face import FacePredictor
    from ml.face.artifacts import load_face_networks, save_face_ensemble

    a, b = (_network_dir(tmp_path, face_predictor.model_dir, i) for i in (0, 1))
    save_face_ensemble(load_face_networks(a) + load_face_networks(b), tmp_path / "both",
                       temperature=1.0, held_out_accuracy=0.0)  # fmt: skip
    crops = (np.random.default_rng(1).random((6, 48, 48)) * 255).astype(np.uint8)
    expected = (FacePredictor.load(a).logits(crops) + FacePredictor.load(b).logits(crops)) / 2
    np.testing.assert_allclose(FacePredictor.load(tmp_path / "both").logits(crops), expected, atol=1e-5)


def test_an_ensemble_grows_by_a_network_without_losing_its_own(face_predictor, tmp_path: Path) -> None:
    """Growing a two-network ensemble by the shipped model's third network gives the shipped model's
    answers: the ensemble's networks are taken in whole, each counting once in the mean."""
    from ml.face import FacePredictor
    from ml.face.artifacts import load_face_networks, save_face_ensemble

    nets = load_face_networks(face_predictor.model_dir)
    save_face_ensemble(nets[:2], tmp_path / "two", temperature=1.0, held_out_accuracy=0.0)
    third = _network_dir(tmp_path, face_predictor.model_dir, 2)
    save_face_ensemble(load_face_networks(tmp_path / "two") + load_face_networks(third), tmp_path / "three",
                       temperature=1.0, held_out_accuracy=0.0)  # fmt: skip
    grown = load_face_networks(tmp_path / "three")
    assert [c["version"] for c, _ in grown] == [c["version"] for c, _ in nets]
    crops = (np.random.default_rng(2).random((6, 48, 48)) * 255).astype(np.uint8)
    np.testing.assert_allclose(FacePredictor.load(tmp_path / "three").logits(crops),
                               face_predictor.logits(crops), atol=1e-5)  # fmt: skip


def test_face_ensemble_refuses_networks_it_cannot_join_with_a_sentence(face_predictor, tmp_path: Path) -> None:
    a = _network_dir(tmp_path, face_predictor.model_dir, 0)
    other_split = _network_dir(tmp_path, face_predictor.model_dir, 1, split_seed=7)
    cases = {"different held-out splits": [a, other_split],
             "named twice": [a, face_predictor.model_dir],
             "holds no model": [a, tmp_path / "nothing-here"]}  # fmt: skip
    for words, members in cases.items():
        out = subprocess.run([sys.executable, "-m", "ml", "face", "ensemble", *map(str, members), "--out",
                              str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True)  # fmt: skip
        assert out.returncode == 2, out.stderr
        err = out.stderr.strip().splitlines()
        assert len(err) == 1 and words in err[0]
        assert not (tmp_path / "out").exists()
