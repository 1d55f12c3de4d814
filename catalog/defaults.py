"""Default emotions, moods, genres and mood maps that `load_defaults` installs (staff edit them later).

Emotion points are approximate positions on Russell's circumplex of affect (Russell 1980,
"A circumplex model of affect"; disgust, absent there, placed next to "distressed"), valence and
arousal in -1..1. They describe the *listener*.

Mood points are on Spotify's valence/energy scale (0..1) and describe *music*: they are the
centroids of the labelled tracks in data_moods.csv (Happy, Sad, Calm, Energetic); "intense"
(angry, dark, loud music) has no label there and is placed by hand at low valence, high energy.
The two spaces differ on purpose: calm music is quiet and usually low in Spotify valence although
calm is a pleasant feeling, so a mood map's target is the centroid of the moods it looks for.
"""
from __future__ import annotations

# code: (name, valence, arousal, colour)
EMOTIONS: dict[str, tuple[str, float, float, str]] = {
    "angry": ("Angry", -0.40, 0.79, "#d62728"),
    "disgust": ("Disgust", -0.68, 0.35, "#8c564b"),
    "fearful": ("Fearful", -0.12, 0.79, "#9467bd"),
    "happy": ("Happy", 0.89, 0.17, "#ffbf00"),
    "neutral": ("Neutral", 0.0, 0.0, "#7f7f7f"),
    "sad": ("Sad", -0.81, -0.40, "#1f77b4"),
    "surprised": ("Surprised", 0.40, 0.85, "#ff7f0e"),
    "calm": ("Calm", 0.78, -0.68, "#2ca02c"),
}

# code: (name, valence 0..1, energy 0..1, instrumentalness 0..1 or None when it does not matter)
# Calm music is mostly instrumental; valence and energy alone cannot tell it from sad songs. The
# value and its weight (recommendations.engine.INSTRUMENTAL_WEIGHT) were chosen on one half of
# data_moods.csv split by artist and checked on the other half (docs/recommendations.md).
MOODS: dict[str, tuple[str, float, float, float | None]] = {
    "happy": ("Happy", 0.58, 0.75, None),
    "sad": ("Sad", 0.29, 0.39, None),
    "calm": ("Calm", 0.15, 0.16, 0.8),
    "energetic": ("Energetic", 0.44, 0.88, None),
    "intense": ("Intense", 0.25, 0.85, None),
}

GENRES: dict[str, str] = {
    "acoustic": "Acoustic", "ambient": "Ambient", "blues": "Blues", "chill": "Chill",
    "classical": "Classical", "country": "Country", "dance": "Dance", "electronic": "Electronic",
    "emo": "Emo", "folk": "Folk", "funk": "Funk", "hip-hop": "Hip-hop", "indie": "Indie",
    "jazz": "Jazz", "metal": "Metal", "pop": "Pop", "punk": "Punk", "r-n-b": "R&B",
    "reggae": "Reggae", "rock": "Rock", "soul": "Soul",
}


# (emotion, strategy): (description, target moods, {genre: weight}, search keywords)
MOOD_MAPS: dict[tuple[str, str], tuple[str, list[str], dict[str, float], str]] = {
    ("happy", "match"): ("feel-good pop", ["happy"], {"pop": 1.0, "dance": 0.7, "funk": 0.6, "soul": 0.5}, "happy feel good"),
    ("happy", "lift"): ("upbeat dance-pop", ["happy", "energetic"], {"pop": 1.0, "dance": 0.9, "funk": 0.7}, "upbeat party"),
    ("happy", "calm"): ("easy acoustic", ["calm"], {"acoustic": 1.0, "folk": 0.8, "jazz": 0.6, "chill": 0.6}, "easy acoustic"),
    ("sad", "match"): ("melancholic classical and blues", ["sad"], {"classical": 1.0, "blues": 1.0, "acoustic": 0.6, "indie": 0.5}, "sad ballad"),
    ("sad", "lift"): ("uplifting happy music", ["happy"], {"pop": 1.0, "soul": 0.8, "funk": 0.7, "dance": 0.6}, "uplifting happy"),
    ("sad", "calm"): ("gentle acoustic", ["calm"], {"acoustic": 1.0, "classical": 0.8, "ambient": 0.7, "folk": 0.6}, "gentle calm"),
    ("angry", "match"): ("loud rock", ["intense", "energetic"], {"rock": 1.0, "metal": 0.9, "punk": 0.7}, "angry rock"),
    ("angry", "lift"): ("high-energy funk and pop", ["happy", "energetic"], {"funk": 1.0, "pop": 0.8, "rock": 0.5}, "feel good energy"),
    ("angry", "calm"): ("low-energy ambient", ["calm"], {"ambient": 1.0, "classical": 0.9, "acoustic": 0.8, "chill": 0.7}, "relaxing calm"),
    ("neutral", "match"): ("chill", ["calm", "happy"], {"chill": 1.0, "indie": 0.7, "jazz": 0.6, "electronic": 0.5}, "chill"),
    ("neutral", "lift"): ("bright pop", ["happy"], {"pop": 1.0, "dance": 0.8, "indie": 0.6}, "happy upbeat"),
    ("neutral", "calm"): ("chill ambient", ["calm"], {"chill": 1.0, "ambient": 0.8, "acoustic": 0.7}, "chill relax"),
    ("fearful", "match"): ("dark electronic and metal", ["intense"], {"electronic": 1.0, "metal": 0.8, "ambient": 0.5}, "dark"),
    ("fearful", "lift"): ("reassuring warm songs", ["happy"], {"pop": 1.0, "soul": 0.8, "acoustic": 0.6}, "warm comforting"),
    ("fearful", "calm"): ("soothing low-energy music", ["calm"], {"ambient": 1.0, "classical": 0.9, "acoustic": 0.8}, "soothing"),
    ("disgust", "match"): ("emo and metal", ["intense", "sad"], {"emo": 1.0, "metal": 0.9, "punk": 0.6}, "angst"),
    ("disgust", "lift"): ("upbeat funk and pop", ["happy"], {"pop": 1.0, "funk": 0.8, "dance": 0.7}, "upbeat"),
    ("disgust", "calm"): ("mellow acoustic", ["calm"], {"acoustic": 1.0, "chill": 0.8, "ambient": 0.7}, "mellow"),
    ("surprised", "match"): ("dance", ["energetic", "happy"], {"dance": 1.0, "electronic": 0.8, "pop": 0.7}, "dance"),
    ("surprised", "lift"): ("party dance-pop", ["happy", "energetic"], {"dance": 1.0, "pop": 0.9, "funk": 0.7}, "party"),
    ("surprised", "calm"): ("laid-back chill", ["calm"], {"chill": 1.0, "acoustic": 0.8, "jazz": 0.6}, "laid back"),
    ("calm", "match"): ("acoustic", ["calm"], {"acoustic": 1.0, "chill": 0.8, "folk": 0.7, "jazz": 0.6}, "acoustic calm"),
    ("calm", "lift"): ("sunny indie and pop", ["happy"], {"pop": 0.9, "indie": 0.8, "folk": 0.6, "soul": 0.6}, "sunny"),
    ("calm", "calm"): ("ambient and classical", ["calm"], {"ambient": 1.0, "classical": 0.9, "acoustic": 0.8}, "ambient peaceful"),
}


def music_to_circumplex(value: float) -> float:
    """Spotify 0..1 scale -> circumplex -1..1 (the scale MoodMap targets are stored in)."""
    return round(2.0 * value - 1.0, 3)


def circumplex_to_music(value: float) -> float:
    return (value + 1.0) / 2.0


def default_target(moods: list[str]) -> tuple[float, float]:
    """The centroid of the target moods, as circumplex (valence, arousal)."""
    valence = sum(MOODS[m][1] for m in moods) / len(moods)
    energy = sum(MOODS[m][2] for m in moods) / len(moods)
    return music_to_circumplex(valence), music_to_circumplex(energy)


def shared_instrumentalness(values: list[float | None]) -> float | None:
    """The moods' mean instrumentalness when every one of them cares, else None (no preference)."""
    if not values or any(v is None for v in values):
        return None
    return sum(values) / len(values)
