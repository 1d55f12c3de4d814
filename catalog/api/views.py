"""Catalog REST API: tracks (filter by mood, genre), emotions, genres, and staff-editable mood maps."""
import django_filters
from django.db.models import Prefetch, Q
from rest_framework import mixins, permissions, viewsets

from catalog.models import Emotion, Genre, MoodMap, MoodMapGenre, Track, TrackMoodTag

from .serializers import EmotionSerializer, GenreSerializer, MoodMapSerializer, TrackSerializer


class TrackFilter(django_filters.FilterSet):
    mood = django_filters.CharFilter(method="filter_mood")
    genre = django_filters.CharFilter(field_name="genres__slug")
    q = django_filters.CharFilter(method="filter_q")
    source = django_filters.ChoiceFilter(choices=Track.Source.choices)

    class Meta:
        model = Track
        fields = ["mood", "genre", "q", "source"]

    def filter_mood(self, queryset, name, value):
        return queryset.filter(id__in=TrackMoodTag.objects.filter(mood__code=value.lower(), rejected=False)
                               .exclude(source=TrackMoodTag.Source.SUGGESTED).values("track_id"))

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(artist__icontains=value))


class TrackViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TrackSerializer
    filterset_class = TrackFilter
    queryset = (Track.objects.filter(active=True).distinct().order_by("artist", "title", "id")
                .prefetch_related("genres", Prefetch("mood_tags", TrackMoodTag.objects.select_related("mood"))))


class EmotionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = EmotionSerializer
    queryset = Emotion.objects.all()
    pagination_class = None
    lookup_field = "code"


class GenreViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = GenreSerializer
    queryset = Genre.objects.all()
    pagination_class = None
    lookup_field = "slug"


class IsStaffOrReadOnly(permissions.BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated
                    and (request.method in permissions.SAFE_METHODS or request.user.is_staff))


class MoodMapViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin,
                     viewsets.ReadOnlyModelViewSet):
    """Readable by every signed-in user; created and edited by staff only."""

    serializer_class = MoodMapSerializer
    permission_classes = [IsStaffOrReadOnly]
    pagination_class = None
    filterset_fields = ["strategy", "emotion__code"]
    queryset = MoodMap.objects.select_related("emotion").prefetch_related(
        "moods", Prefetch("genre_weights", MoodMapGenre.objects.select_related("genre")))
