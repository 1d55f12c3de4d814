"""Mood tagger: a scikit-learn classifier from audio attributes to a mood, trained on tagged tracks.

Its suggestions are stored as `suggested` tags for a curator to accept or reject in admin.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.db import transaction
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

FEATURES = ("danceability", "acousticness", "energy", "instrumentalness", "liveness", "valence",
            "loudness", "speechiness", "tempo")
MIN_CONFIDENCE = 0.5


def make_model():
    return make_pipeline(StandardScaler(), RandomForestClassifier(
        n_estimators=300, min_samples_leaf=2, class_weight="balanced", random_state=0, n_jobs=1))


@dataclass
class CrossValidation:
    accuracy_mean: float
    accuracy_std: float
    folds: int
    samples: int


def cross_validate(X: np.ndarray, y: np.ndarray, folds: int = 5) -> CrossValidation:
    scores = cross_val_score(make_model(), X, y, cv=StratifiedKFold(folds, shuffle=True, random_state=0),
                             scoring="accuracy")
    return CrossValidation(float(scores.mean()), float(scores.std()), folds, len(y))


def load_data_moods(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    X = np.array([[float(r[f]) for f in FEATURES] for r in rows])
    y = np.array([r["mood"].lower() for r in rows])
    return X, y


@transaction.atomic
def suggest_moods(*, min_confidence: float = MIN_CONFIDENCE) -> dict:
    """Train on tracks with confirmed tags and attributes; suggest a mood for untagged ones."""
    from .models import Mood, Track, TrackMoodTag
    from .services import refresh_positions

    with_attributes = Track.objects.filter(**{f"{f}__isnull": False for f in FEATURES})
    confirmed = TrackMoodTag.objects.filter(rejected=False).exclude(source=TrackMoodTag.Source.SUGGESTED)
    labelled = {}
    for track_id, code in confirmed.filter(track__in=with_attributes).values_list("track_id", "mood__code"):
        labelled.setdefault(track_id, code)  # one label per track: the first confirmed tag
    if len(set(labelled.values())) < 2:
        return {"trained_on": len(labelled), "suggested": 0}
    tracks = {t.pk: t for t in with_attributes.filter(pk__in=list(labelled))}
    X = np.array([[getattr(tracks[i], f) for f in FEATURES] for i in labelled])
    y = np.array(list(labelled.values()))
    model = make_model().fit(X, y)
    # Tracks with no tag at all; a rejected suggestion counts as a tag, so it is not suggested again.
    untagged = list(with_attributes.filter(mood_tags__isnull=True))
    suggested = 0
    if untagged:
        probabilities = model.predict_proba(np.array([[getattr(t, f) for f in FEATURES] for t in untagged]))
        moods = {m.code: m for m in Mood.objects.all()}
        new = []
        for track, p in zip(untagged, probabilities):
            best = int(np.argmax(p))
            if p[best] >= min_confidence:
                new.append(TrackMoodTag(track=track, mood=moods[model.classes_[best]],
                                        source=TrackMoodTag.Source.SUGGESTED, confidence=float(p[best])))
        TrackMoodTag.objects.bulk_create(new, ignore_conflicts=True)
        refresh_positions(track_ids=[t.track_id for t in new])
        suggested = len(new)
    return {"trained_on": len(labelled), "suggested": suggested}
