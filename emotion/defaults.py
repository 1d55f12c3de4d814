"""The emotions the product ships with: the model's seven labels plus "calm" for the mood picker,
placed in Russell's valence-arousal circumplex (valence, arousal in [-1, 1])."""

DEFAULT_EMOTIONS: tuple[dict, ...] = (
    {"code": "happy", "name": "Happy", "valence": 0.8, "arousal": 0.5, "color": "#f2c12e"},
    {"code": "surprised", "name": "Surprised", "valence": 0.3, "arousal": 0.8, "color": "#ff7f0e"},
    {"code": "calm", "name": "Calm", "valence": 0.5, "arousal": -0.6, "color": "#2ca02c"},
    {"code": "neutral", "name": "Neutral", "valence": 0.0, "arousal": 0.0, "color": "#7f7f7f"},
    {"code": "sad", "name": "Sad", "valence": -0.7, "arousal": -0.5, "color": "#1f77b4"},
    {"code": "fearful", "name": "Fearful", "valence": -0.6, "arousal": 0.6, "color": "#9467bd"},
    {"code": "disgust", "name": "Disgusted", "valence": -0.7, "arousal": 0.3, "color": "#8c564b"},
    {"code": "angry", "name": "Angry", "valence": -0.7, "arousal": 0.8, "color": "#d62728"},
)
