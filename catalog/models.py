"""Catalog models: the emotions the model can output, genres, and (later) tracks and mood maps."""
import copy

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class CoveringIndex(models.Index):
    """An index that also carries `covering` columns where the database can (PostgreSQL's INCLUDE),
    so a read of only those columns never visits the table; elsewhere (SQLite) a plain index.

    Not `include=`: that makes the embedded SQLite mode warn (models.W040) at every migrate.
    """

    def __init__(self, *args, covering: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.covering = tuple(covering)

    def create_sql(self, model, schema_editor, using="", **kwargs):
        statement = copy.copy(self)
        statement.include = self.covering  # SQLite's schema editor leaves INCLUDE out by itself
        return super(CoveringIndex, statement).create_sql(model, schema_editor, using=using, **kwargs)

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        return path, args, {**kwargs, "covering": self.covering}


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


class Strategy(models.TextChoices):
    """What the music should do with the listener's mood: the one list (profiles, sets, mood maps)."""

    MATCH = "match", "Match my mood"
    LIFT = "lift", "Lift my mood"
    CALM = "calm", "Calm me down"


class Mood(models.Model):
    """A mood a track can be tagged with, placed on Spotify's valence/energy scale (0..1).

    The point is what the engine assumes for a track whose audio attributes are unknown.
    """

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=64)
    valence = models.FloatField(help_text="Typical valence of tracks with this mood, 0..1.")
    energy = models.FloatField(help_text="Typical energy of tracks with this mood, 0..1.")
    instrumentalness = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Typical instrumentalness, 0..1, where it matters (calm: mostly instrumental); blank "
                  "otherwise. Recommendations for this mood favour tracks whose measured value is near it.")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class MoodMap(models.Model):
    """Which music answers an emotion under a strategy: a target point, moods, genres, keywords."""

    emotion = models.ForeignKey(Emotion, on_delete=models.CASCADE, related_name="mood_maps")
    strategy = models.CharField(max_length=8, choices=Strategy.choices)
    target_valence = models.FloatField(
        null=True, blank=True, help_text="-1..1; empty means the emotion's own valence."
    )
    target_arousal = models.FloatField(
        null=True, blank=True, help_text="-1..1; empty means the emotion's own arousal."
    )
    moods = models.ManyToManyField(Mood, blank=True, related_name="mood_maps",
                                   help_text="The moods of the tracks this map is looking for.")
    keywords = models.CharField(max_length=200, blank=True,
                                help_text='Spotify search words, e.g. "sad acoustic ballad".')
    description = models.CharField(max_length=120, blank=True,
                                   help_text='Shown in "why", e.g. "upbeat pop".')
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["emotion__order", "strategy"]
        constraints = [
            models.UniqueConstraint(fields=["emotion", "strategy"], name="unique_mood_map"),
        ]

    def __str__(self) -> str:
        return f"{self.emotion.code} -> {self.strategy}"

    @property
    def valence(self) -> float:
        return self.emotion.valence if self.target_valence is None else self.target_valence

    @property
    def arousal(self) -> float:
        return self.emotion.arousal if self.target_arousal is None else self.target_arousal


class MoodMapGenre(models.Model):
    mood_map = models.ForeignKey(MoodMap, on_delete=models.CASCADE, related_name="genre_weights")
    genre = models.ForeignKey(Genre, on_delete=models.CASCADE, related_name="+")
    weight = models.FloatField(default=1.0, help_text="0..1; how well this genre fits.")

    class Meta:
        ordering = ["-weight"]
        constraints = [
            models.UniqueConstraint(fields=["mood_map", "genre"], name="unique_mood_map_genre"),
        ]

    def __str__(self) -> str:
        return f"{self.genre} ({self.weight:g})"


class Track(models.Model):
    class Source(models.TextChoices):
        CURATOR = "curator", "Curator"
        IMPORTED = "imported", "Imported"
        SPOTIFY = "spotify", "Spotify search"

    ATTRIBUTES = (
        "valence", "energy", "danceability", "acousticness", "instrumentalness",
        "tempo", "loudness", "speechiness", "liveness",
    )

    title = models.CharField(max_length=300)
    artist = models.CharField(max_length=300)
    album = models.CharField(max_length=300, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    spotify_id = models.CharField(max_length=40, unique=True, null=True, blank=True)
    popularity = models.PositiveSmallIntegerField(null=True, blank=True)
    explicit = models.BooleanField(default=False)
    # Audio attributes on Spotify's scales; unknown stays NULL, never guessed.
    valence = models.FloatField(null=True, blank=True)
    energy = models.FloatField(null=True, blank=True)
    danceability = models.FloatField(null=True, blank=True)
    acousticness = models.FloatField(null=True, blank=True)
    instrumentalness = models.FloatField(null=True, blank=True)
    tempo = models.FloatField(null=True, blank=True)
    loudness = models.FloatField(null=True, blank=True)
    speechiness = models.FloatField(null=True, blank=True)
    liveness = models.FloatField(null=True, blank=True)
    # Where the engine places the track: measured valence/energy, else the mean of its moods'
    # points. Kept up to date by catalog.services so a request never recomputes it.
    est_valence = models.FloatField(null=True, blank=True, editable=False)
    est_energy = models.FloatField(null=True, blank=True, editable=False)
    genres = models.ManyToManyField(Genre, blank=True, related_name="tracks")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.CURATOR)
    match_key = models.CharField(max_length=200, db_index=True, editable=False,
                                 help_text="Normalised artist|title, the import key without a Spotify id.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["artist", "title"]
        indexes = [
            # Covers what a recommendation's candidate boxes read (recommendations.selectors), so
            # PostgreSQL answers them from the index alone instead of visiting a heap page for each
            # of the ~1,500 tracks a box holds (of which it keeps 200).
            CoveringIndex(fields=["est_valence", "est_energy"], name="track_position", condition=models.Q(active=True),
                          covering=("id", "artist", "valence", "energy", "popularity", "instrumentalness", "year",
                                    "tempo", "explicit")),
        ]

    def __str__(self) -> str:
        return f"{self.artist} - {self.title}"

    @property
    def spotify_url(self) -> str | None:
        return f"https://open.spotify.com/track/{self.spotify_id}" if self.spotify_id else None

    @property
    def embed_url(self) -> str | None:
        return f"https://open.spotify.com/embed/track/{self.spotify_id}" if self.spotify_id else None


class TrackMoodTag(models.Model):
    class Source(models.TextChoices):
        CURATOR = "curator", "Curator"
        IMPORTED = "imported", "Imported"
        SUGGESTED = "suggested", "Suggested by the mood tagger"
        SPOTIFY = "spotify", "Spotify search query"

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="mood_tags")
    mood = models.ForeignKey(Mood, on_delete=models.CASCADE, related_name="track_tags")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.CURATOR)
    confidence = models.FloatField(null=True, blank=True, help_text="Tagger probability for suggestions.")
    # A rejected suggestion is kept so the tagger does not suggest it again.
    rejected = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["track", "mood"], name="unique_track_mood"),
        ]

    def __str__(self) -> str:
        return f"{self.track}: {self.mood.code} ({self.source})"
