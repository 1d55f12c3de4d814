"""Account API payloads."""
from iso3166 import countries_by_alpha2
from rest_framework import serializers

from accounts.models import ApiToken, Profile
from catalog.models import Genre


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
    otp = serializers.CharField(
        required=False, allow_blank=True, max_length=64,
        help_text="Only for accounts with two-factor authentication: the current code, or a recovery code.",
    )  # fmt: skip
    name = serializers.CharField(
        required=False, allow_blank=True, max_length=100,
        help_text="What this token is for (shown in your token list); defaults to the User-Agent.",
    )  # fmt: skip


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires = serializers.DateTimeField()


class ApiTokenSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(help_text="Whether this request was made with this token.")

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "last_used_at", "current"]

    def get_current(self, token: ApiToken) -> bool:
        auth = self.context["request"].auth
        return isinstance(auth, ApiToken) and auth.pk == token.pk


class ProfileSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    favourite_genres = serializers.SlugRelatedField(slug_field="slug", many=True, required=False, queryset=Genre.objects.all())
    excluded_genres = serializers.SlugRelatedField(slug_field="slug", many=True, required=False, queryset=Genre.objects.all())

    class Meta:
        model = Profile
        fields = [
            "email", "strategy", "favourite_genres", "excluded_genres", "market", "allow_explicit",
            "recording_retention",
        ]  # fmt: skip

    def validate_market(self, value: str) -> str:
        code = value.strip().upper()
        if code not in countries_by_alpha2:
            raise serializers.ValidationError(
                f"{value!r} is not a country code. Use your country's two-letter ISO code, such as US, GB or DE."
            )
        return code


class AccountDeleteSerializer(serializers.Serializer):
    password = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, style={"input_type": "password"}
    )
    confirm_email = serializers.CharField(
        required=False, allow_blank=True,
        help_text="For accounts without a password (signed up through Spotify): the account's email address.",
    )  # fmt: skip
