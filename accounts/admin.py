from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import Profile, User


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    filter_horizontal = ("favourite_genres", "excluded_genres")


@admin.register(User)
class MoodifyUserAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_display = ("email", "is_staff", "is_active", "date_joined")
    search_fields = ("email",)
    ordering = ("-date_joined",)
