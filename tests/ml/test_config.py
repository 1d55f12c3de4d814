"""Saved configs: each model family saves its own fields (config format 2), and every older
format still reads back into the same config."""

from __future__ import annotations

import json
import shutil
from dataclasses import fields, replace
from pathlib import Path

import pytest

from ml.config import TrainConfig
from ml.model import (CONFIG_FORMAT, AcousticModelConfig, ModelConfig, WhisperHeadConfig,
                      build_model)  # fmt: skip

# The shipped model's config.json as it was saved before config formats (format 1): every
# family's model fields side by side.
FORMAT_1 = json.loads((Path(__file__).parent / "data" / "config-format1-whisper.json").read_text())
SHARED = {"frontend", "n_features", "window_frames", "n_classes", "extra"}


def _saved(config: TrainConfig) -> dict:
    """``config`` as a model directory or a report stores it."""
    return json.loads(json.dumps(config.to_dict()))


# The recipe that format-1 file was saved with (variant RB: one head, one babble copy per clip).
RB = replace(TrainConfig(), model=WhisperHeadConfig(head_units=256), room=replace(TrainConfig().room, babble_copies=1, quiet_copies=0, reverb_copies=0))


def test_a_format_1_config_reads_back_as_the_family_config_the_new_format_saves() -> None:
    old = TrainConfig.from_dict(FORMAT_1["train"])
    assert old == TrainConfig.from_dict(_saved(RB)) == RB
    assert TrainConfig.from_dict(_saved(TrainConfig())) == TrainConfig()
    assert type(old.model) is WhisperHeadConfig and old.model.head_units == 256
    assert ModelConfig.from_dict(FORMAT_1["model"]) == WhisperHeadConfig(head_units=256)


def test_a_config_from_before_front_ends_and_room_copies_reads_as_acoustic() -> None:
    older = {"epochs": 25, "use_augmented": True,
             "augment": {"variants": 3, "snr_db": [12.0, 30.0]},
             "model": {"n_features": 176, "window_frames": 192, "filters": [64, 128, 128], "members": 3}}  # fmt: skip
    config = TrainConfig.from_dict(older)
    assert config.model == AcousticModelConfig(members=3)
    assert config.room.variants == 0 and config.augment.channel_db == 0.0  # trained without them
    assert TrainConfig.from_dict(_saved(config)) == config


def test_each_family_saves_only_its_own_fields() -> None:
    whisper = _saved(TrainConfig())
    acoustic = _saved(TrainConfig.acoustic_h())
    assert whisper["config_format"] == acoustic["config_format"] == CONFIG_FORMAT == 2
    assert set(whisper["model"]) == SHARED | {"embedding_dropout", "head_units", "dense_dropout", "members"}
    assert whisper["model"]["frontend"] == "whisper"
    assert set(acoustic["model"]) == SHARED | {f.name for f in fields(AcousticModelConfig)}
    assert acoustic["model"]["frontend"] == "acoustic"
    assert not {"embedding_dropout", "head_units"} & set(acoustic["model"])
    # Variant H survives its own saved config, members and all.
    again = TrainConfig.from_dict(acoustic)
    assert again == TrainConfig.acoustic_h()
    assert [again.member(i) for i in range(7)] == [TrainConfig.acoustic_h().member(i) for i in range(7)]


def test_an_unknown_front_end_or_a_newer_format_is_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match=r"frontend must be one of \('acoustic', 'whisper'\), not 'wav2vec'"):
        ModelConfig.from_dict({"frontend": "wav2vec", "n_features": 768})
    with pytest.raises(ValueError, match="frontend must be one of"):
        TrainConfig.from_dict({**_saved(TrainConfig()), "model": {"frontend": "wav2vec"}})
    with pytest.raises(ValueError, match="config format 3 is newer than this code reads"):
        TrainConfig.from_dict({**_saved(TrainConfig()), "config_format": 3})
    with pytest.raises(ValueError, match="AcousticModelConfig cannot hold a whisper model config"):
        AcousticModelConfig.from_dict({"frontend": "whisper"})
    with pytest.raises(TypeError, match="families' base"):
        ModelConfig(n_features=4, window_frames=1)


def test_a_family_builds_its_own_network() -> None:
    head = build_model(WhisperHeadConfig(n_features=8, head_units=4))
    assert {"dense", "logits"} <= {layer.name for layer in head.layers}
    assert "attention_pool" not in {layer.name for layer in head.layers}
    net = build_model(AcousticModelConfig(n_features=8, window_frames=16, filters=(4, 4, 4),
                                          dense_units=4, attention_units=4))  # fmt: skip
    assert "attention_pool" in {layer.name for layer in net.layers}


def test_the_shipped_model_answers_the_same_from_its_format_1_config(predictor, speech_wav: Path,  # noqa: ANN001
                                                                     tmp_path: Path) -> None:
    from ml import EmotionPredictor

    old = tmp_path / "model"
    shutil.copytree(predictor.model_dir, old, ignore=shutil.ignore_patterns("evaluation"))
    # The shipped config as format 1 wrote it: every family's model fields side by side, no format.
    shipped = json.loads((old / "config.json").read_text())
    as_format_1 = {k: v for k, v in shipped.items() if k != "config_format"}
    for part in (as_format_1, as_format_1["train"]):
        part["model"] = {**FORMAT_1["model"], **part["model"]}
    as_format_1["train"] = {k: v for k, v in as_format_1["train"].items() if k != "config_format"}
    assert set(as_format_1["model"]) == set(FORMAT_1["model"])
    (old / "config.json").write_text(json.dumps(as_format_1, indent=2))
    a, b = predictor.predict_file(speech_wav), EmotionPredictor.load(old).predict_file(speech_wav)
    assert (a.label, a.probabilities) == (b.label, b.probabilities)


def test_the_card_reads_a_format_1_report_as_the_training_it_describes() -> None:
    from ml.card import _random_brief
    from ml.serving import DEFAULT_MODEL_DIR

    report = json.loads((DEFAULT_MODEL_DIR / "evaluation" / "report-speaker.json").read_text())
    report["train_config"] = FORMAT_1["train"]  # a report saved in format 1, by variant RB
    assert "config_format" not in report["train_config"]
    same, other = _random_brief(report, RB), _random_brief(report, TrainConfig.acoustic_h())
    assert same is not None and other is not None
    assert "config_note" not in same and "config_note" in other


def test_the_cli_switching_to_the_acoustic_front_end_drops_the_whisper_room_copies() -> None:
    """The README's acoustic example (`evaluate --config '{"model": {"frontend": "acoustic"}}'`) must
    build a config the acoustic front end accepts, not carry over the Whisper head's babble copies."""
    import argparse

    from ml.__main__ import _train_config

    args = argparse.Namespace(config=json.dumps({"epochs": 25, "model": {"frontend": "acoustic"}}),
                              label_map="default7", epochs=0, augment_variants=3, seed=1234)  # fmt: skip
    config = _train_config(args)
    assert isinstance(config.model, AcousticModelConfig)
    assert config.room.variants == 0 and config.room.babble_copies == 0 and config.augment.variants == 3
    args.config, args.augment_variants = None, None
    assert _train_config(args) == TrainConfig()  # without overrides: the shipped recipe
