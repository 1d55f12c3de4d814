from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from rest_framework.authtoken.admin import TokenProxy

from accounts.models import ApiToken, Profile, User


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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens can be looked at and revoked (deleted) here; only their owner's sign-in makes new ones."""

    list_display = ("prefix", "user", "name", "created_at", "expires_at", "last_used_at")
    search_fields = ("user__email", "prefix")
    readonly_fields = ("user", "digest", "prefix", "name", "created_at", "expires_at", "last_used_at")

    def has_add_permission(self, request) -> bool:
        return False


# DRF's own token model is kept only so migration 0002 can carry its tokens over; it
# authenticates nothing any more, so it must not look usable in the admin.
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)
