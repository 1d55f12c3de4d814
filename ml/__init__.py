"""Moodify speech emotion recognition: audio loading, features, training, evaluation, inference.

A plain Python library (no Django). Public API::

    from ml import EmotionPredictor, Prediction, get_predictor, LABELS
"""

from ml.datasets import DEFAULT_LABELS as LABELS
from ml.predictor import EmotionPredictor, Prediction, TimelineSegment, _numba_cache, get_predictor

# Before anything imports librosa (and numba): compiled kernels are cached on disk so only the
# first process on a machine pays the ~17 s compilation.
_numba_cache()

__all__ = ["LABELS", "EmotionPredictor", "Prediction", "TimelineSegment", "get_predictor"]
