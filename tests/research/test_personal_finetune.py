"""The per-user refit of the logits layer (research, not shipped): it must learn the user's
examples when let loose, and stay the global head when held tight."""
from __future__ import annotations

import numpy as np

from research.personal_finetune import refit_last_layer


def _head_and_voice(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    w, b = rng.normal(size=(16, 7)), np.zeros(7)
    h = rng.normal(size=(7, 16))
    y = np.roll((h @ w).argmax(axis=1), 1)  # this voice: the global head gets most of it wrong
    return h, y, w, b


def test_a_loose_refit_gets_the_users_examples_right() -> None:
    h, y, w, b = _head_and_voice()
    assert ((h @ w + b).argmax(axis=1) == y).mean() < 0.5
    w2, b2 = refit_last_layer(h, y, w, b, lam=1e-3)
    assert ((h @ w2 + b2).argmax(axis=1) == y).all()


def test_a_tight_refit_stays_the_global_head() -> None:
    h, y, w, b = _head_and_voice()
    w2, b2 = refit_last_layer(h, y, w, b, lam=1e4)
    np.testing.assert_allclose(w2, w, atol=1e-3)
    np.testing.assert_allclose(b2, b, atol=1e-3)
