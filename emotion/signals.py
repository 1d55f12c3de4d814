"""Signals the emotion app sends for other apps to react to."""
from django.dispatch import Signal

# Sent after the transaction that stored an EmotionResult commits, with `result=<EmotionResult>`
# (from the model or the mood picker). The recommendations app builds its set from it.
emotion_result_stored = Signal()
