"""An ensemble model is exactly the mean of its members' logits, and survives save and load."""

from dataclasses import replace
from pathlib import Path

import numpy as np

from ml.model import AcousticModelConfig, assemble_ensemble, build_model


def test_ensemble_averages_member_logits_and_round_trips(tmp_path: Path) -> None:
    import keras

    cfg = AcousticModelConfig(filters=(8, 8, 8), dense_units=16, attention_units=8)
    mean = np.linspace(-1, 1, cfg.n_features).astype(np.float32)
    var = np.full(cfg.n_features, 2.0, np.float32)
    nets = []
    for seed in (1, 2, 3):
        keras.utils.set_random_seed(seed)
        nets.append(build_model(cfg, mean, var))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, cfg.window_frames, cfg.n_features)).astype(np.float32)
    m = np.ones((4, cfg.window_frames), np.float32)
    m[0, 100:] = 0.0
    member_logits = np.stack([np.asarray(n([x, m], training=False)) for n in nets])
    assert np.abs(member_logits[0] - member_logits[1]).max() > 1e-3  # members really differ

    ens = assemble_ensemble(cfg, nets, mean, var)
    np.testing.assert_allclose(np.asarray(ens([x, m], training=False)), member_logits.mean(0),
                               rtol=1e-5, atol=1e-5)  # fmt: skip
    ens.save_weights(tmp_path / "model.weights.h5")
    # The predictor rebuilds the graph from the saved config and normaliser, then loads weights.
    loaded = build_model(replace(cfg, members=3), mean, var)
    loaded.load_weights(tmp_path / "model.weights.h5")
    np.testing.assert_allclose(np.asarray(loaded([x, m], training=False)), member_logits.mean(0),
                               rtol=1e-5, atol=1e-5)  # fmt: skip
