"""REST endpoints for the signed-in person's account: token, profile, export, deletion."""
from __future__ import annotations

import json

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.api.serializers import (
    AccountDeleteSerializer,
    ApiTokenSerializer,
    ProfileSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from accounts.authentication import ApiTokenAuthentication


class TokenThrottle(AnonRateThrottle):
    scope = "auth_token"


class AuthTokenView(APIView):
    """POST: sign in for a new token (no session, no CSRF). DELETE: revoke the token sent."""

    parser_classes = [JSONParser, FormParser]

    def _method(self) -> str | None:
        return getattr(self.request, "method", None)  # no request while the schema is generated

    def get_authenticators(self):
        return [ApiTokenAuthentication()] if self._method() == "DELETE" else []

    def get_permissions(self):
        return [IsAuthenticated()] if self._method() == "DELETE" else [AllowAny()]

    def get_throttles(self):
        return [TokenThrottle()] if self._method() == "POST" else []

    @extend_schema(request=TokenRequestSerializer, responses=TokenSerializer, auth=[])
    def post(self, request: Request) -> Response:
        form = TokenRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        user = services.user_authenticate(
            request=request._request, email=data["email"], password=data["password"], otp=data.get("otp", "")
        )
        name = data.get("name") or request.META.get("HTTP_USER_AGENT", "")
        issued = services.api_token_issue(user=user, name=name)
        return Response(TokenSerializer({"token": issued.key, "expires": issued.token.expires_at}).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        services.api_token_revoke(user=request.user, token_id=request.auth.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenListView(APIView):
    """The signed-in person's live API tokens (the web page lists them through this)."""

    @extend_schema(responses=ApiTokenSerializer(many=True))
    def get(self, request: Request) -> Response:
        tokens = selectors.api_token_list(user=request.user)
        return Response(ApiTokenSerializer(tokens, many=True, context={"request": request}).data)


class ApiTokenDetailView(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, token_id: int) -> Response:
        services.api_token_revoke(user=request.user, token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


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
        services.user_delete(
            request=request._request,
            user=request.user,
            password=form.validated_data.get("password", ""),
            confirm_email=form.validated_data.get("confirm_email", ""),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
