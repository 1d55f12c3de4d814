"""Recommendation sets, their ranked tracks, and the feedback people give on them."""
from django.conf import settings
from django.db import models

from catalog.models import Strategy


class RecommendationSet(models.Model):
    """Ten tracks chosen for one emotion result (or a correction of it) under one strategy."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="recommendation_sets")
    submission = models.ForeignKey("emotion.VoiceSubmission", on_delete=models.CASCADE,
                                   related_name="recommendation_sets")
    result = models.ForeignKey("emotion.EmotionResult", on_delete=models.CASCADE,
                               related_name="recommendation_sets")
    correction = models.ForeignKey("EmotionCorrection", null=True, blank=True,
                                   on_delete=models.CASCADE, related_name="recommendation_sets")
    emotion = models.CharField(max_length=32, help_text="The emotion the set answers.")
    strategy = models.CharField(max_length=8, choices=Strategy.choices)
    target_valence = models.FloatField()
    target_arousal = models.FloatField()
    blended = models.BooleanField(default=False, help_text="Target blended from several emotions.")
    notice = models.CharField(max_length=200, blank=True)
    summary = models.CharField(max_length=300, blank=True,
                               help_text="What the set answers, e.g. \"Feeling sad, to lift your mood: upbeat pop.\"")
    journey = models.JSONField(
        null=True, blank=True,
        help_text="For lift/calm: the path from the listener's (smoothed) mood to the target, one point per rank.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Idempotency of the build task: one set per result and strategy before corrections.
            models.UniqueConstraint(fields=["result", "strategy"], condition=models.Q(correction=None),
                                    name="one_set_per_result_strategy"),
        ]

    def __str__(self) -> str:
        return f"{self.emotion} -> {self.strategy} for {self.submission_id}"


class Recommendation(models.Model):
    class Source(models.TextChoices):
        CATALOG = "catalog", "Local catalog"
        SPOTIFY = "spotify", "Spotify search"

    recommendation_set = models.ForeignKey(RecommendationSet, on_delete=models.CASCADE, related_name="items")
    track = models.ForeignKey("catalog.Track", on_delete=models.CASCADE, related_name="recommendations")
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()
    source = models.CharField(max_length=8, choices=Source.choices)
    why = models.CharField(max_length=300, help_text="The reasons below, in a sentence.")
    reasons = models.JSONField(default=list, blank=True,
                               help_text='What put the track here: [{"code": "liked_artist", "artist": ...}, ...].')
    explored = models.BooleanField(default=False, help_text="Chosen to learn the listener's taste (exploration).")

    class Meta:
        ordering = ["recommendation_set", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["recommendation_set", "rank"], name="unique_rank_in_set"),
        ]

    def __str__(self) -> str:
        return f"#{self.rank} {self.track}"


class Feedback(models.Model):
    class Action(models.TextChoices):
        LIKE = "like", "Like"
        DISLIKE = "dislike", "Dislike"
        RATE = "rate", "Rating"
        PLAYED = "played", "Played"
        SKIPPED = "skipped", "Skipped"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback")
    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="feedback")
    action = models.CharField(max_length=8, choices=Action.choices)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.recommendation_id}"


class Affinity(models.Model):
    """What a user has taught us about a genre or an artist: positive likes, negative dislikes."""

    class Kind(models.TextChoices):
        GENRE = "genre", "Genre"
        ARTIST = "artist", "Artist"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="affinities")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    key = models.CharField(max_length=300, help_text="Genre slug or normalised artist name.")
    weight = models.FloatField(default=0.0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "affinities"
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "key"], name="unique_affinity"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}:{self.key} {self.weight:+.2f}"


class TasteBelief(models.Model):
    """Liked / disliked pseudo-counts of one track feature ("genre:jazz", "decade:1980s") for a
    user: the evidence of the exploration bandit (recommendations.bandit)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="taste_beliefs")
    feature = models.CharField(max_length=320)
    liked = models.FloatField(default=0.0)
    disliked = models.FloatField(default=0.0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "feature"], name="unique_taste_belief"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.feature} +{self.liked:g}/-{self.disliked:g}"


class EmotionCorrection(models.Model):
    """ "I'm actually calm": re-recommends at once and is kept as a labelled training example."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="emotion_corrections")
    submission = models.ForeignKey("emotion.VoiceSubmission", on_delete=models.CASCADE, related_name="corrections")
    result = models.ForeignKey("emotion.EmotionResult", on_delete=models.CASCADE, related_name="corrections")
    predicted = models.CharField(max_length=32)
    corrected = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.predicted} -> {self.corrected}"
