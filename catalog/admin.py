"""Curating the catalog in Django admin: mood maps with inline genres, tracks with inline tags,
bulk tag actions, suggestion review, CSV import (with a per-row report) and export."""
import io
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html

from . import services
from .errors import CatalogImportError
from .forms import CatalogUploadForm
from .models import Emotion, Genre, Mood, MoodMap, MoodMapGenre, Track, TrackMoodTag


@admin.register(Emotion)
class EmotionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "valence", "arousal", "color", "order"]
    list_editable = ["valence", "arousal", "color", "order"]


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "track_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_tracks=Count("tracks"))

    @admin.display(ordering="n_tracks", description="tracks")
    def track_count(self, obj):
        return obj.n_tracks


@admin.register(Mood)
class MoodAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "valence", "energy", "instrumentalness"]


class MoodMapGenreInline(admin.TabularInline):
    model = MoodMapGenre
    extra = 1
    autocomplete_fields = ["genre"]


@admin.register(MoodMap)
class MoodMapAdmin(admin.ModelAdmin):
    list_display = ["emotion", "strategy", "description", "genre_list", "keywords", "updated_at", "preview"]
    list_filter = ["strategy", "emotion"]
    filter_horizontal = ["moods"]
    inlines = [MoodMapGenreInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("emotion").prefetch_related("genre_weights__genre")

    @admin.display(description="genres")
    def genre_list(self, obj):
        return ", ".join(f"{w.genre.slug} {w.weight:g}" for w in obj.genre_weights.all())

    @admin.display(description="preview")
    def preview(self, obj):
        # The recommendations app owns the ranking; its admin serves the preview.
        url = reverse("admin:recommendations_moodmap_preview")
        return format_html('<a href="{}?{}">Preview this mood map</a>', url,
                           urlencode({"emotion": obj.emotion.code, "strategy": obj.strategy}))


class TrackMoodTagInline(admin.TabularInline):
    model = TrackMoodTag
    extra = 1
    fields = ["mood", "source", "confidence", "rejected"]
    readonly_fields = ["confidence"]


class MoodFilter(admin.SimpleListFilter):
    title = "mood"
    parameter_name = "mood"

    def lookups(self, request, model_admin):
        return [(m.code, m.name) for m in Mood.objects.all()] + [("none", "No mood yet")]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.exclude(mood_tags__rejected=False)
        if self.value():
            return queryset.filter(mood_tags__mood__code=self.value(), mood_tags__rejected=False)
        return queryset


class TagSourceFilter(admin.SimpleListFilter):
    title = "tag source"
    parameter_name = "tag_source"

    def lookups(self, request, model_admin):
        return TrackMoodTag.Source.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(mood_tags__source=self.value(), mood_tags__rejected=False)
        return queryset


def _tag_action(mood_code: str, add: bool):
    def action(modeladmin, request, queryset):
        mood = Mood.objects.get(code=mood_code)
        if add:
            count = services.tag_tracks(tracks=queryset, mood=mood)
            modeladmin.message_user(request, f"Tagged {count} tracks as {mood_code}.")
        else:
            count = services.untag_tracks(tracks=queryset, mood=mood)
            modeladmin.message_user(request, f"Removed {count} {mood_code} tags.")
    action.__name__ = f"{'tag' if add else 'untag'}_{mood_code}"
    action.short_description = f"{'Tag as' if add else 'Remove tag'} {mood_code}"
    return action


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ["title", "artist", "year", "genre_list", "mood_list", "suggested", "source", "active"]
    list_filter = [MoodFilter, TagSourceFilter, "genres", "source", "active", "explicit"]
    search_fields = ["title", "artist", "album", "spotify_id"]
    autocomplete_fields = ["genres"]
    readonly_fields = ["est_valence", "est_energy", "created_at", "updated_at"]
    inlines = [TrackMoodTagInline]
    actions = ["export_csv", "accept_suggestions", "reject_suggestions"]
    change_list_template = "admin/catalog/track/change_list.html"
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("genres", "mood_tags__mood")

    def get_actions(self, request):
        actions = super().get_actions(request)
        for mood in Mood.objects.all():
            for add in (True, False):
                func = _tag_action(mood.code, add)
                actions[func.__name__] = (func, func.__name__, func.short_description)
        return actions

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.refresh_positions(track_ids=[form.instance.pk])

    @admin.display(description="genres")
    def genre_list(self, obj):
        return ", ".join(g.slug for g in obj.genres.all())

    @admin.display(description="moods")
    def mood_list(self, obj):
        return ", ".join(f"{t.mood.code} ({t.source})" for t in obj.mood_tags.all()
                         if not t.rejected and t.source != TrackMoodTag.Source.SUGGESTED)

    @admin.display(description="suggested")
    def suggested(self, obj):
        return ", ".join(f"{t.mood.code} {t.confidence or 0:.0%}" for t in obj.mood_tags.all()
                         if not t.rejected and t.source == TrackMoodTag.Source.SUGGESTED)

    @admin.action(description="Export selected tracks as CSV")
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="moodify-tracks.csv"'
        services.export_tracks_csv(tracks=queryset.prefetch_related("genres", "mood_tags__mood"), out=response)
        return response

    @admin.action(description="Accept suggested moods")
    def accept_suggestions(self, request, queryset):
        tags = TrackMoodTag.objects.filter(track__in=queryset, source=TrackMoodTag.Source.SUGGESTED)
        self.message_user(request, f"Accepted {services.review_suggestions(tags=tags, accept=True)} suggestions.")

    @admin.action(description="Reject suggested moods")
    def reject_suggestions(self, request, queryset):
        tags = TrackMoodTag.objects.filter(track__in=queryset, source=TrackMoodTag.Source.SUGGESTED)
        self.message_user(request, f"Rejected {services.review_suggestions(tags=tags, accept=False)} suggestions.")

    def get_urls(self):
        return [path("import/", self.admin_site.admin_view(self.import_view), name="catalog_track_import"),
                *super().get_urls()]

    def import_view(self, request):
        if not self.has_add_permission(request):
            from django.core.exceptions import PermissionDenied
            raise PermissionDenied
        report = None
        form = CatalogUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            text = io.TextIOWrapper(form.cleaned_data["file"].file, encoding="utf-8", newline="")
            try:
                report = services.import_tracks_csv(file=text)
                self.message_user(request, f"Import finished: {report.summary}.")
            except CatalogImportError as exc:
                self.message_user(request, exc.user_message, level=messages.ERROR)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "report": report, "title": "Import tracks from CSV"}
        return render(request, "admin/catalog/track/import.html", context)


@admin.register(TrackMoodTag)
class TrackMoodTagAdmin(admin.ModelAdmin):
    """The review queue for the mood tagger's suggestions."""

    list_display = ["track", "mood", "source", "confidence", "rejected", "created_at"]
    list_filter = ["source", "rejected", "mood"]
    search_fields = ["track__title", "track__artist"]
    list_select_related = ["track", "mood"]
    actions = ["accept", "reject"]

    @admin.action(description="Accept selected suggestions")
    def accept(self, request, queryset):
        self.message_user(request, f"Accepted {services.review_suggestions(tags=queryset, accept=True)}.")

    @admin.action(description="Reject selected suggestions")
    def reject(self, request, queryset):
        self.message_user(request, f"Rejected {services.review_suggestions(tags=queryset, accept=False)}.")
