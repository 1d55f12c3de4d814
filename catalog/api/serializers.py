from collections.abc import Iterable

from django.db import transaction
from rest_framework import serializers

from catalog.models import Emotion, Genre, Mood, MoodMap, MoodMapGenre, Track, TrackMoodTag


def track_payload(track: Track, *, genres: Iterable[str] | None = None, moods: Iterable[str] | None = None) -> dict:
    """The track object of docs/api.md.

    Genres and moods come from `genres` and `mood_tags__mood` prefetched on the track, or are given
    by a caller that already holds them (the recommendation engine).
    """
    if genres is None:
        genres = [g.slug for g in track.genres.all()]
    if moods is None:
        moods = [t.mood.code for t in track.mood_tags.all()
                 if not t.rejected and t.source != TrackMoodTag.Source.SUGGESTED]
    return {
        "id": track.pk, "title": track.title, "artist": track.artist, "album": track.album,
        "year": track.year, "duration_ms": track.duration_ms, "spotify_id": track.spotify_id,
        "spotify_url": track.spotify_url, "embed_url": track.embed_url,
        "genres": sorted(set(genres)), "moods": sorted(set(moods)),
    }


class TrackSerializer(serializers.Serializer):
    """Read-only; the declared fields describe `track_payload` for the OpenAPI schema."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    artist = serializers.CharField()
    album = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    duration_ms = serializers.IntegerField(allow_null=True)
    spotify_id = serializers.CharField(allow_null=True)
    spotify_url = serializers.CharField(allow_null=True)
    embed_url = serializers.CharField(allow_null=True)
    genres = serializers.ListField(child=serializers.SlugField())
    moods = serializers.ListField(child=serializers.SlugField())

    def to_representation(self, instance):
        return track_payload(instance)


class EmotionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Emotion
        fields = ["code", "name", "valence", "arousal", "color"]


class GenreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Genre
        fields = ["slug", "name"]


class GenreWeightSerializer(serializers.Serializer):
    genre = serializers.SlugRelatedField(slug_field="slug", queryset=Genre.objects.all())
    weight = serializers.FloatField(min_value=0.0, max_value=1.0)


class MoodMapSerializer(serializers.ModelSerializer):
    emotion = serializers.SlugRelatedField(slug_field="code", queryset=Emotion.objects.all())
    moods = serializers.SlugRelatedField(slug_field="code", queryset=Mood.objects.all(), many=True, required=False)
    genres = GenreWeightSerializer(many=True, source="genre_weights", required=False)
    target_valence = serializers.FloatField(min_value=-1, max_value=1, allow_null=True, required=False)
    target_arousal = serializers.FloatField(min_value=-1, max_value=1, allow_null=True, required=False)

    class Meta:
        model = MoodMap
        fields = ["id", "emotion", "strategy", "target_valence", "target_arousal", "moods", "genres",
                  "keywords", "description", "updated_at"]
        read_only_fields = ["id", "updated_at"]

    def validate(self, attrs):
        weights = attrs.get("genre_weights")
        if weights is not None and len({w["genre"].pk for w in weights}) != len(weights):
            raise serializers.ValidationError({"genres": ["Each genre may appear once."]})
        return attrs

    @transaction.atomic
    def create(self, validated_data):
        weights = validated_data.pop("genre_weights", [])
        moods = validated_data.pop("moods", [])
        if MoodMap.objects.filter(emotion=validated_data["emotion"], strategy=validated_data["strategy"]).exists():
            raise serializers.ValidationError({"strategy": ["This emotion already has a map for this strategy."]})
        mood_map = MoodMap.objects.create(**validated_data)
        mood_map.moods.set(moods)
        MoodMapGenre.objects.bulk_create([MoodMapGenre(mood_map=mood_map, **w) for w in weights])
        return mood_map

    @transaction.atomic
    def update(self, instance, validated_data):
        weights = validated_data.pop("genre_weights", None)
        moods = validated_data.pop("moods", None)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        instance.save()
        if moods is not None:
            instance.moods.set(moods)
        if weights is not None:
            instance.genre_weights.all().delete()
            MoodMapGenre.objects.bulk_create([MoodMapGenre(mood_map=instance, **w) for w in weights])
        return instance
