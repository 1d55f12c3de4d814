"""Catalog models: the emotions the model can output, genres, and (later) tracks and mood maps."""
from django.db import models


class Emotion(models.Model):
    """An emotion the product knows, placed in Russell's valence-arousal circumplex.

    `code` matches the labels the emotion model outputs (and the extra moods people may pick,
    such as "calm"). Valence and arousal are in [-1, 1].
    """

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=64)
    valence = models.FloatField(help_text="Pleasantness, from -1 (unpleasant) to 1 (pleasant).")
    arousal = models.FloatField(help_text="Activation, from -1 (sleepy) to 1 (excited).")
    color = models.CharField(max_length=7, default="#888888", help_text="Chart colour, #rrggbb.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Genre(models.Model):
    name = models.CharField(max_length=64, unique=True)
    slug = models.SlugField(max_length=64, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
