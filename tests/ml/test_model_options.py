"""Model options beyond the base CNN: mixed ensembles, utterance-relative features, the speaker
adversary. Each is checked on what it promises, not on whether it runs."""

import json
from pathlib import Path

import numpy as np
import pytest

from ml.model import AcousticModelConfig, assemble_ensemble, build_model, speaker_adversary
from ml.config import TrainConfig

SMALL = dict(filters=(8, 8, 8), dense_units=16, attention_units=8)


def _batch(cfg: AcousticModelConfig, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, cfg.window_frames, cfg.n_features)).astype(np.float32)
    m = np.ones((3, cfg.window_frames), np.float32)
    m[0, 90:] = 0.0  # a short clip: zero padding after frame 90
    x *= m[:, :, None]
    return x, m


def test_mixed_ensemble_members_keep_their_own_architecture_through_save_and_load(tmp_path: Path) -> None:
    import keras

    cfg = AcousticModelConfig(**SMALL, members=2, member_overrides=({"recurrent_units": 8}, {}))
    # The config survives the JSON the model directory stores.
    again = AcousticModelConfig.from_dict(json.loads(json.dumps(cfg.to_dict())))
    assert again == cfg
    nets = []
    for i in range(2):
        keras.utils.set_random_seed(i)
        nets.append(build_model(cfg.member(i)))
    assert "bigru" in [layer.name for layer in nets[0].layers]
    assert "bigru" not in [layer.name for layer in nets[1].layers]
    x, m = _batch(cfg)
    expected = np.mean([np.asarray(n([x, m], training=False)) for n in nets], axis=0)
    ens = assemble_ensemble(cfg, nets, np.zeros(cfg.n_features, np.float32),
                            np.ones(cfg.n_features, np.float32))  # fmt: skip
    ens.save_weights(tmp_path / "model.weights.h5")
    loaded = build_model(again)
    loaded.load_weights(tmp_path / "model.weights.h5")
    np.testing.assert_allclose(np.asarray(loaded([x, m], training=False)), expected,
                               rtol=1e-5, atol=1e-5)  # fmt: skip


def test_member_training_overrides_and_seeds() -> None:
    cfg = TrainConfig(seed=10, member_overrides=({"speaker_adversarial": 0.3}, {}),
                      model=AcousticModelConfig(members=3))  # fmt: skip
    members = [cfg.member(i) for i in range(3)]
    assert [m.seed for m in members] == [10, 11, 12]
    assert [m.speaker_adversarial for m in members] == [0.3, 0.0, 0.0]
    assert all(m.model.members == 1 for m in members)
    assert TrainConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    # A member may name its own seed (to reproduce a network cross-validated on its own).
    pinned = TrainConfig(seed=10, member_overrides=({}, {"seed": 10, "mixup": 0.2}),
                         model=AcousticModelConfig(members=2))  # fmt: skip
    assert [(m.seed, m.mixup) for m in (pinned.member(0), pinned.member(1))] == [(10, 0.0), (10, 0.2)]


def test_relative_features_ignore_a_constant_offset_and_keep_padding_silent() -> None:
    import keras

    from ml.model import UtteranceCMN

    cfg = AcousticModelConfig(**SMALL)
    x, m = _batch(cfg)
    rel = UtteranceCMN(cfg.n_features)
    shifted = x + 3.0 * m[:, :, None]  # a louder voice / another microphone: same contour
    m3 = m[:, :, None]  # the model passes the mask as (batch, frames, 1)
    a, b = np.asarray(rel([x, m3])), np.asarray(rel([shifted, m3]))
    np.testing.assert_allclose(a, b, atol=1e-4)
    assert np.abs(a[0, 90:]).max() == 0.0
    # The model sees absolute and relative columns side by side.
    net = build_model(AcousticModelConfig(**SMALL, relative_features=104))
    assert net.get_layer("absolute_relative").output.shape[-1] == cfg.n_features + 104
    keras.backend.clear_session()


def test_gradient_reversal_flips_and_scales_the_gradient_only() -> None:
    import tensorflow as tf

    from ml.model import GradientReversal

    layer = GradientReversal()
    layer.scale.assign(0.5)
    x = tf.constant([[1.0, -2.0, 3.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)
        loss = tf.reduce_sum(y * tf.constant([[1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(y.numpy(), x.numpy())
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), [[-0.5, -1.0, -1.5]])


def test_speaker_adversary_is_training_only() -> None:
    cfg = AcousticModelConfig(**SMALL)
    net = build_model(cfg)
    trainer, reversal = speaker_adversary(net, n_speakers=5)
    x, m = _batch(cfg)
    emotion, speaker = trainer([x, m], training=False)
    assert emotion.shape == (3, cfg.n_classes) and speaker.shape == (3, 5)
    np.testing.assert_allclose(np.asarray(emotion), np.asarray(net([x, m], training=False)), atol=1e-6)
    # The served network carries no speaker weights: a plain build of its config loads them.
    assert len(net.get_weights()) == len(build_model(cfg).get_weights())
    assert len(trainer.get_weights()) > len(net.get_weights())


def test_adversary_cannot_be_combined_with_mixup() -> None:
    with pytest.raises(ValueError, match="two speakers"):
        TrainConfig(speaker_adversarial=0.3, mixup=0.2)


def test_a_config_saved_before_channel_colouring_loads_without_it() -> None:
    from ml.config import TrainConfig

    saved = json.loads(json.dumps(TrainConfig.acoustic_h().to_dict()))
    assert saved["augment"]["channel_db"] > 0  # variant H's recipe colours the channel
    del saved["augment"]["channel_db"], saved["augment"]["p_channel"]
    assert TrainConfig.from_dict(saved).augment.channel_db == 0.0


def test_the_card_says_which_augmentations_trained_the_model() -> None:
    from dataclasses import replace

    from ml.augment import AugmentConfig
    from ml.card import augmentation_text
    from ml.config import TrainConfig

    h = augmentation_text(TrainConfig.acoustic_h())
    assert "colouring" in h and "vocal tract" in h and "3 augmented copies" in h
    older = augmentation_text(replace(TrainConfig.acoustic_h(), augment=AugmentConfig(channel_db=0.0)))
    assert "colouring" not in older
    assert "no augmented copies" in augmentation_text(replace(TrainConfig.acoustic_h(), use_augmented=False))
    # The shipped Whisper head trains on room/device copies (and says which); without them, the
    # card must not claim any.
    shipped = augmentation_text(TrainConfig())
    assert shipped.startswith("2 room/device copies") and "reverberation" in shipped
    assert "same training fold" in shipped and "Opus" in shipped
    assert augmentation_text(replace(TrainConfig(), use_augmented=False)) == "no augmented copies"
