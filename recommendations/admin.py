from django.contrib import admin

from .models import Affinity, EmotionCorrection, Feedback, Recommendation, RecommendationSet


class RecommendationInline(admin.TabularInline):
    model = Recommendation
    extra = 0
    fields = ["rank", "track", "score", "source", "why"]
    readonly_fields = fields
    can_delete = False


@admin.register(RecommendationSet)
class RecommendationSetAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "emotion", "strategy", "blended", "notice", "created_at"]
    list_filter = ["strategy", "emotion", "blended"]
    inlines = [RecommendationInline]
    readonly_fields = ["user", "submission", "result", "correction"]


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["user", "recommendation", "action", "rating", "created_at"]
    list_filter = ["action"]
    raw_id_fields = ["recommendation"]


@admin.register(Affinity)
class AffinityAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "key", "weight", "updated_at"]
    list_filter = ["kind"]


@admin.register(EmotionCorrection)
class EmotionCorrectionAdmin(admin.ModelAdmin):
    """Corrections are labelled examples for retraining the emotion model."""

    list_display = ["submission", "predicted", "corrected", "user", "created_at"]
    list_filter = ["predicted", "corrected"]
