"""Account API payloads."""
from iso3166 import countries_by_alpha2
from rest_framework import serializers

from accounts.models import Profile
from catalog.models import Genre


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


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
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
