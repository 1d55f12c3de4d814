"""Moodify speech emotion recognition: audio loading, features, training, evaluation, inference.

A plain Python library (no Django). Public API::

    from ml import EmotionPredictor, Prediction, get_predictor, LABELS
"""

from ml.datasets import DEFAULT_LABELS as LABELS
from ml.predictor import EmotionPredictor, Prediction, get_predictor

__all__ = ["LABELS", "EmotionPredictor", "Prediction", "get_predictor"]
