import numpy as np

from ml.calibration import expected_calibration_error, fit_temperature, softmax


def test_temperature_scaling_undoes_overconfidence() -> None:
    rng = np.random.default_rng(0)
    n, k = 4000, 7
    true_logits = rng.normal(0, 2.0, (n, k))
    y = np.array([rng.choice(k, p=p) for p in softmax(true_logits)])
    overconfident = true_logits * 3.0  # a model 3x too sure of itself
    t = fit_temperature(overconfident, y)
    assert 2.5 < t < 3.5
    before = expected_calibration_error(softmax(overconfident), y)
    after = expected_calibration_error(softmax(overconfident, t), y)
    assert after < 0.03 < before


def test_ece_is_zero_for_perfect_confident_predictions() -> None:
    probs = np.eye(3)[[0, 1, 2, 1]]
    assert expected_calibration_error(probs, np.array([0, 1, 2, 1])) == 0.0
