from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path

from catalog.errors import UnknownEmotionError

from . import selectors
from .forms import MoodMapPreviewForm
from .models import Affinity, EmotionCorrection, Feedback, Recommendation, RecommendationSet, TasteBelief


class RecommendationInline(admin.TabularInline):
    model = Recommendation
    extra = 0
    fields = ["rank", "track", "score", "source", "explored", "why"]
    readonly_fields = fields
    can_delete = False


@admin.register(RecommendationSet)
class RecommendationSetAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "emotion", "strategy", "blended", "notice", "created_at"]
    list_filter = ["strategy", "emotion", "blended"]
    inlines = [RecommendationInline]
    readonly_fields = ["user", "submission", "result", "correction"]
    change_list_template = "admin/recommendations/recommendationset/change_list.html"

    def get_urls(self):
        return [path("preview/", self.admin_site.admin_view(self.preview_view), name="recommendations_moodmap_preview"),
                *super().get_urls()]

    def preview_view(self, request):
        """ "Preview this mood map": the local catalog ranked for an emotion and strategy, with each
        score's parts, so curators see why a track ranks where it does."""
        if not request.user.has_perm("catalog.view_moodmap"):
            raise PermissionDenied
        form = MoodMapPreviewForm(request.GET or None)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "title": "Preview a mood map"}
        if form.is_valid():
            try:
                target, start, rows = selectors.preview_mood_map(
                    emotion=form.cleaned_data["emotion"].code, strategy=form.cleaned_data["strategy"],
                    k=form.cleaned_data["tracks"] or 30)
                context.update(target=target, start=start, rows=rows)
            except UnknownEmotionError as exc:
                form.add_error(None, exc.user_message)
        return render(request, "admin/recommendations/preview.html", context, status=400 if form.errors else 200)


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["user", "recommendation", "action", "rating", "created_at"]
    list_filter = ["action"]
    raw_id_fields = ["recommendation"]


@admin.register(Affinity)
class AffinityAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "key", "weight", "updated_at"]
    list_filter = ["kind"]


@admin.register(TasteBelief)
class TasteBeliefAdmin(admin.ModelAdmin):
    """What exploration has learned per listener and feature (liked / disliked pseudo-counts)."""

    list_display = ["user", "feature", "liked", "disliked", "updated_at"]
    search_fields = ["feature"]


@admin.register(EmotionCorrection)
class EmotionCorrectionAdmin(admin.ModelAdmin):
    """Corrections are labelled examples for retraining the emotion model."""

    list_display = ["submission", "predicted", "corrected", "user", "created_at"]
    list_filter = ["predicted", "corrected"]
