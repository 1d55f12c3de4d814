"""An ensemble model is exactly the mean of its members' logits, and survives save and load."""

from dataclasses import replace
from pathlib import Path

import numpy as np

from ml.model import AcousticModelConfig, assemble_ensemble, build_model


def test_ensemble_averages_member_logits_and_round_trips(tmp_path: Path) -> None:
    cfg = AcousticModelConfig(filters=(8, 8, 8), dense_units=16, attention_units=8)
    mean = np.linspace(-1, 1, cfg.n_features).astype(np.float32)
    var = np.full(cfg.n_features, 2.0, np.float32)
    x = np.random.default_rng(0).standard_normal((4, cfg.window_frames, cfg.n_features)).astype(np.float32)
    m = np.ones((4, cfg.window_frames), np.float32)
    m[0, 100:] = 0.0
    _joined_and_reloaded(cfg, mean, var, x, m, tmp_path)


def _joined_and_reloaded(cfg, mean: np.ndarray, var: np.ndarray, x: np.ndarray, m: np.ndarray,  # noqa: ANN001
                         tmp_path: Path) -> tuple:
    """Three members of ``cfg`` (seeds 1-3) joined by :func:`assemble_ensemble`; asserts that the
    joined model, and the model rebuilt from the config and its saved weights (as the predictor
    does), give the members' mean logits. Returns ``(rebuilt model, mean logits)``."""
    import keras

    nets = []
    for seed in (1, 2, 3):
        keras.utils.set_random_seed(seed)
        nets.append(build_model(cfg, mean, var))
    member_logits = np.stack([np.asarray(n([x, m], training=False)) for n in nets])
    assert np.abs(member_logits[0] - member_logits[1]).max() > 1e-3  # members really differ

    ens = assemble_ensemble(cfg, nets, mean, var)
    np.testing.assert_allclose(np.asarray(ens([x, m], training=False)), member_logits.mean(0),
                               rtol=1e-5, atol=1e-5)  # fmt: skip
    ens.save_weights(tmp_path / "model.weights.h5")
    loaded = build_model(replace(cfg, members=3), mean, var)
    loaded.load_weights(tmp_path / "model.weights.h5")
    np.testing.assert_allclose(np.asarray(loaded([x, m], training=False)), member_logits.mean(0),
                               rtol=1e-5, atol=1e-5)  # fmt: skip
    return loaded, member_logits.mean(0)


def test_whisper_heads_fold_into_one_head_that_serves_the_mean_of_their_logits(tmp_path: Path) -> None:
    """Several Whisper heads ship as one wider head: the Keras model rebuilt from the config, the
    ONNX head the worker runs and the arrays personal adapters use all give the members' mean."""
    from ml.model import WhisperHeadConfig
    from ml.personal import HeadArrays
    from ml.serving import DenseHead, export_head

    cfg = WhisperHeadConfig(n_features=32, head_units=8)
    rng = np.random.default_rng(0)
    mean = rng.standard_normal(32).astype(np.float32)
    var = rng.uniform(0.5, 2.0, 32).astype(np.float32)
    x = rng.standard_normal((5, 1, 32)).astype(np.float32)
    loaded, mean_logits = _joined_and_reloaded(cfg, mean, var, x, np.ones((5, 1), np.float32), tmp_path)

    path = export_head(loaded, tmp_path)
    np.testing.assert_allclose(DenseHead(path)(x[:, 0]), mean_logits, rtol=1e-4, atol=1e-4)
    np.savez(tmp_path / "class_means.npz", class_means=np.zeros((7, 32), np.float32))
    np.testing.assert_allclose(HeadArrays.load(path).logits(x[:, 0]), mean_logits, rtol=1e-4, atol=1e-4)


def test_heads_standardised_differently_are_not_folded() -> None:
    import pytest

    from ml.model import WhisperHeadConfig

    cfg = WhisperHeadConfig(n_features=16, head_units=4)
    a = build_model(cfg, np.zeros(16, np.float32), np.ones(16, np.float32))
    b = build_model(cfg, np.ones(16, np.float32), np.ones(16, np.float32))
    with pytest.raises(ValueError, match="standardised differently"):
        assemble_ensemble(cfg, [a, b], np.zeros(16, np.float32), np.ones(16, np.float32))
