"""The user model and the profile of preferences the rest of the product reads."""
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models

from catalog.models import Strategy


class User(AbstractUser):
    # People sign in with their email address (allauth); it must identify one account.
    email = models.EmailField("email address", unique=True)


class Profile(models.Model):
    class Retention(models.TextChoices):
        NONE = "none", "Don't keep my recordings"
        DAYS_30 = "30d", "Keep them for 30 days"
        UNTIL_DELETED = "forever", "Keep them until I delete them"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    strategy = models.CharField(max_length=8, choices=Strategy.choices, default=Strategy.MATCH)
    favourite_genres = models.ManyToManyField("catalog.Genre", blank=True, related_name="+")
    excluded_genres = models.ManyToManyField("catalog.Genre", blank=True, related_name="+")
    market = models.CharField(
        max_length=2, default="US", help_text="Two-letter country code used for Spotify search."
    )
    allow_explicit = models.BooleanField(default=True)
    recording_retention = models.CharField(
        max_length=8, choices=Retention.choices, default=Retention.NONE
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Profile of {self.user}"


class ApiToken(models.Model):
    """A key for `Authorization: Token <key>`: one per client that signed in, expiring, revocable.

    Only a SHA-256 digest of the key is stored (the key is shown once, when issued), so a copy of
    the database does not hand out working tokens. Keys are 160 random bits: no slow hash needed.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    # The key's first characters, so people can tell their tokens apart in a list.
    prefix = models.CharField(max_length=8)
    name = models.CharField(max_length=100, blank=True, help_text="Which client asked for it.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"API token {self.prefix}… of {self.user}"
