"""Personal voice adapters (ml.personal): no examples changes nothing, examples of a voice move its
answers, one odd example cannot flip everything, and the CLI round trip (adapt, predict --adapter)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ml.personal import Adapter, AdapterConfig, AdapterError, HeadArrays, build_adapter, pooled_logits

ROOT = Path(__file__).resolve().parents[2]


def toy_head(dim: int = 6, classes: int = 3) -> HeadArrays:
    """A head that reads the class off the first ``classes`` features (identity-like weights)."""
    kernel = np.zeros((dim, classes), np.float32)
    kernel[:classes, :classes] = 4 * np.eye(classes)
    means = np.zeros((classes, dim), np.float32)
    means[:, :classes] = np.eye(classes)
    return HeadArrays(np.zeros(dim, np.float32), np.ones(dim, np.float32), np.eye(dim, dtype=np.float32) * 3,
                      np.zeros(dim, np.float32), np.vstack([kernel]), np.zeros(classes, np.float32), means)


def test_no_examples_leave_every_answer_exactly_as_the_global_model_gives_it():
    head = toy_head()
    adapter = build_adapter(head, np.zeros((0, head.dim)), np.zeros(0, int))
    assert not adapter.active and adapter.n == 0
    x = np.random.default_rng(0).normal(size=(4, head.dim)).astype(np.float32)
    assert np.array_equal(pooled_logits(head, x, adapter), pooled_logits(head, x, None))


def test_a_voice_that_sits_apart_is_moved_back_and_read_right():
    head = toy_head()
    voice = np.array([-0.8, 0.9, 0.0, 0.5, 0, 0], np.float32)  # this speaker's colouring: leans to class 1
    examples = head.class_means + voice  # one recording of each class in this voice
    clip = head.class_means[0] + voice  # they sound like class 1 to the global head when feeling 0
    assert pooled_logits(head, clip[None], None).argmax() == 1
    adapter = build_adapter(head, examples, np.arange(3), AdapterConfig(tau=1.0))
    assert adapter.active
    assert pooled_logits(head, clip[None], adapter).argmax() == 0


def test_offset_is_shrunk_by_the_number_of_examples():
    head = toy_head()
    odd = head.class_means[2] + 10.0  # one strange recording
    one = build_adapter(head, odd[None], np.array([2]), AdapterConfig(tau=7.0, guard=False))
    assert np.allclose(one.offset, 10.0 / 8)  # n / (n + tau) of its distance, not all of it
    many = build_adapter(head, np.repeat(odd[None], 21, 0), np.full(21, 2), AdapterConfig(tau=7.0, guard=False))
    assert np.allclose(many.offset, 10.0 * 21 / 28)


def test_corrections_all_to_one_emotion_do_not_drag_every_answer_towards_it():
    head = toy_head()
    # Five examples, all "class 2", each exactly where the training voices put class 2: nothing
    # about this voice differs, so nothing should move (a plain mean of the examples would).
    adapter = build_adapter(head, np.repeat(head.class_means[2:3], 5, 0), np.full(5, 2), AdapterConfig(guard=False))
    assert np.allclose(adapter.offset, 0.0)


def test_guard_switches_off_an_adapter_that_gets_the_users_own_examples_wrong():
    head = toy_head()
    rng = np.random.default_rng(1)
    # Examples the global head already reads right, with labels that contradict each other's offsets.
    examples = head.class_means + rng.normal(0, 0.05, head.class_means.shape).astype(np.float32)
    examples[1] += np.array([3, -3, 0, 0, 0, 0], np.float32)  # one example far off, labelled 1
    unguarded = build_adapter(head, examples, np.arange(3), AdapterConfig(tau=0.1, guard=False))
    guarded = build_adapter(head, examples, np.arange(3), AdapterConfig(tau=0.1))
    assert unguarded.active and not guarded.active
    assert guarded.loo["adapted"] < guarded.loo["global"]


def test_labels_outside_the_model_are_refused_with_a_sentence():
    head = toy_head()
    with pytest.raises(AdapterError, match="class indices"):
        build_adapter(head, np.zeros((1, head.dim)), np.array([7]))


def test_adapter_saved_and_loaded_gives_the_same_answers(tmp_path):
    head = toy_head()
    voice = np.array([0.5, -0.3, 0.2, 0, 0, 0], np.float32)
    adapter = build_adapter(head, head.class_means + voice, np.arange(3), AdapterConfig(prototype_weight=0.5))
    adapter.save(tmp_path, model_version="m1")
    loaded, made_for = Adapter.load(tmp_path)
    x = np.random.default_rng(2).normal(size=(3, head.dim)).astype(np.float32)
    assert made_for == "m1" and loaded.version == adapter.version
    assert np.allclose(pooled_logits(head, x, loaded), pooled_logits(head, x, adapter))


@pytest.fixture(scope="module")
def voices(tmp_path_factory):
    from tests.audio_samples import speech_wav

    d = tmp_path_factory.mktemp("voices")
    texts = ["I am so tired of waiting for this bus every single morning.",
             "Nothing ever works the way it should, it is always the same.",
             "We lost the game again and nobody even seems to care about it."]  # fmt: skip
    return [speech_wav(d / f"v{i}.wav", seconds=3.5, text=t, voice="en-us") for i, t in enumerate(texts)]


def test_predictor_without_examples_answers_exactly_as_before(predictor, voices):
    import soundfile as sf

    y, sr = sf.read(voices[0], dtype="float32")
    plain = predictor.predict(y, sr)
    empty = predictor.build_adapter(np.zeros((0, 4608), np.float32), [])
    for p in (predictor.predict(y, sr, adapter=empty), predictor.predict(y, sr, adapter=None)):
        assert p.probabilities == plain.probabilities and p.label == plain.label
        assert p.timeline == plain.timeline and p.adapter_version == ""
    assert plain.embedding is not None and plain.embedding.shape == (4608,)
    assert "embedding" not in plain.to_dict()


def test_a_users_corrections_move_their_own_answers(predictor, voices):
    first = [predictor.predict_file(v) for v in voices]
    # The user says every one of these recordings is how they sound when sad.
    wanted = "sad" if first[0].label != "sad" else "angry"
    adapter = predictor.build_adapter(np.stack([p.embedding for p in first]), [wanted] * len(first))
    assert adapter.active
    again = predictor.predict_file(voices[0], adapter=adapter)
    assert again.adapter_version == adapter.version != ""
    # Three examples pull a third of the way (shrinkage): the answer moves, it does not jump.
    assert again.probabilities[wanted] > 2 * first[0].probabilities[wanted]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ml", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_cli_adapt_then_predict_with_the_adapter(voices, tmp_path):
    csv = tmp_path / "examples.csv"
    csv.write_text("file,emotion\n" + "".join(f"{v},sad\n" for v in voices))
    out = tmp_path / "me"
    made = _cli("adapt", "--examples", str(csv), "--out", str(out))
    assert made.returncode == 0, made.stderr
    summary = json.loads(made.stdout.strip().splitlines()[-1])
    assert summary["examples"] == 3 and summary["counts"]["sad"] == 3
    plain = _cli("predict", str(voices[0]))
    personal = _cli("predict", "--adapter", str(out), str(voices[0]))
    assert plain.returncode == personal.returncode == 0
    a, b = json.loads(plain.stdout), json.loads(personal.stdout)
    assert set(a) == set(b) == {"file", "emotion", "confidence", "probabilities"}
    assert b["probabilities"]["sad"] > a["probabilities"]["sad"]


def test_cli_explains_bad_examples(tmp_path, voices):
    csv = tmp_path / "bad.csv"
    csv.write_text(f"path,feeling\n{voices[0]},sad\n")
    r = _cli("adapt", "--examples", str(csv), "--out", str(tmp_path / "x"))
    assert r.returncode == 2 and "file,emotion" in r.stderr
    csv.write_text(f"file,emotion\n{voices[0]},bored\n")
    r = _cli("adapt", "--examples", str(csv), "--out", str(tmp_path / "x"))
    assert r.returncode == 2 and "unknown emotion 'bored'" in r.stderr
    r = _cli("predict", "--adapter", str(tmp_path / "nowhere"), str(voices[0]))
    assert r.returncode == 2 and "python -m ml adapt" in r.stderr
