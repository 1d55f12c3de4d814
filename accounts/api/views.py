"""REST endpoints for the signed-in person's account: token, profile, export, deletion."""
from __future__ import annotations

import json

from django.contrib.auth import authenticate
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.api.serializers import (
    AccountDeleteSerializer,
    ProfileSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from moodify_site.api_errors import ApiError


class TokenThrottle(AnonRateThrottle):
    scope = "auth_token"


class AuthTokenView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenThrottle]
    parser_classes = [JSONParser, FormParser]

    @extend_schema(request=TokenRequestSerializer, responses=TokenSerializer, auth=[])
    def post(self, request: Request) -> Response:
        form = TokenRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = authenticate(
            request._request, email=form.validated_data["email"], password=form.validated_data["password"]
        )
        if user is None or not user.is_active:
            raise ApiError(
                code="invalid_credentials",
                detail="That email and password do not match an account.",
                http_status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"token": services.auth_token_get_or_create(user=user)})


class ProfileView(APIView):
    parser_classes = [JSONParser, FormParser]

    @extend_schema(responses=ProfileSerializer)
    def get(self, request: Request) -> Response:
        return Response(ProfileSerializer(selectors.profile_get(user=request.user)).data)

    @extend_schema(request=ProfileSerializer, responses=ProfileSerializer)
    def patch(self, request: Request) -> Response:
        form = ProfileSerializer(selectors.profile_get(user=request.user), data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        profile = services.profile_update(user=request.user, **form.validated_data)
        return Response(ProfileSerializer(profile).data)


class ExportView(APIView):
    @extend_schema(responses={(200, "application/json"): dict})
    def get(self, request: Request) -> HttpResponse:
        data = services.user_export(user=request.user)
        response = HttpResponse(json.dumps(data, indent=2, default=str), content_type="application/json")
        response["Content-Disposition"] = 'attachment; filename="moodify-export.json"'
        return response


class AccountView(APIView):
    parser_classes = [JSONParser, FormParser]

    @extend_schema(request=AccountDeleteSerializer, responses={204: None})
    def delete(self, request: Request) -> Response:
        form = AccountDeleteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        # An AccountError (wrong password) is a domain error: the project handler answers 400 with it.
        services.user_delete(user=request.user, password=form.validated_data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)
