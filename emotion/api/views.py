"""REST endpoints for voice submissions: validate input, call a service or selector, answer."""
from __future__ import annotations

from django.http import FileResponse, Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.authentication import TokenAuthentication
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from emotion import selectors, services
from emotion.audio_probe import AUDIO_CONTENT_TYPES
from emotion.api.serializers import (
    StatsSerializer,
    SubmissionCreateSerializer,
    SubmissionFilterSerializer,
    SubmissionPickSerializer,
    SubmissionSerializer,
)
from emotion.errors import LengthRequiredError, SubmissionError
from emotion.models import VoiceSubmission
from emotion.payloads import emotion_names, submission_payload
from moodify_site.api_errors import api_error


class SubmissionThrottle(UserRateThrottle):
    scope = "submissions"


def _filters(request: Request) -> dict:
    params = SubmissionFilterSerializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data


def _owned_submission(request: Request, pk) -> VoiceSubmission:
    submission = selectors.submission_get(user=request.user, submission_id=pk)
    if submission is None:
        raise Http404
    return submission


class SubmissionListCreateView(GenericAPIView):
    serializer_class = SubmissionSerializer
    queryset = VoiceSubmission.objects.none()  # for the schema; the data comes from selectors
    parser_classes = [MultiPartParser, FormParser]

    def get_throttles(self):
        return [SubmissionThrottle()] if self.request.method == "POST" else []

    @extend_schema(
        parameters=[
            OpenApiParameter("date_from", str, description="YYYY-MM-DD, inclusive"),
            OpenApiParameter("date_to", str, description="YYYY-MM-DD, inclusive"),
        ],
        responses=SubmissionSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        submissions = selectors.submission_list(user=request.user, **_filters(request))
        page = self.paginate_queryset(submissions)
        names = emotion_names()
        return self.get_paginated_response([submission_payload(s, names=names) for s in page])

    @extend_schema(request=SubmissionCreateSerializer, responses={202: SubmissionSerializer})
    def post(self, request: Request) -> Response:
        from ml.errors import AudioError, FaceError

        # An oversized body never gets here: moodify_site.uploads refuses it while it streams.
        # A smaller one without Content-Length would be read as no upload at all (Django and DRF
        # parse a body only of a declared length): say so instead of "attach a recording".
        if not request.META.get("CONTENT_LENGTH"):
            raise api_error(LengthRequiredError())
        form = SubmissionCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        source = form.validated_data.get("source") or (
            VoiceSubmission.Source.API
            if isinstance(request.successful_authenticator, TokenAuthentication)
            else VoiceSubmission.Source.UPLOAD
        )
        try:
            submission = services.submission_create(
                user=request.user, audio=form.validated_data.get("audio"), source=source,
                frames=form.validated_data.get("frames") or [],
            )
        except (AudioError, FaceError, SubmissionError) as exc:
            raise api_error(exc) from exc
        return Response(submission_payload(submission), status=status.HTTP_202_ACCEPTED)


class SubmissionPickView(APIView):
    parser_classes = [JSONParser, FormParser]

    @extend_schema(request=SubmissionPickSerializer, responses={201: SubmissionSerializer})
    def post(self, request: Request) -> Response:
        form = SubmissionPickSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            submission = services.submission_create_picked(user=request.user, emotion=form.validated_data["emotion"])
        except SubmissionError as exc:
            raise api_error(exc) from exc
        submission = selectors.submission_get(user=request.user, submission_id=submission.id)
        return Response(submission_payload(submission), status=status.HTTP_201_CREATED)


class SubmissionDetailView(APIView):
    @extend_schema(responses=SubmissionSerializer)
    def get(self, request: Request, pk) -> Response:
        return Response(submission_payload(_owned_submission(request, pk)))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk) -> Response:
        services.submission_delete(submission=_owned_submission(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SubmissionAudioView(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request: Request, pk) -> FileResponse:
        submission = _owned_submission(request, pk)
        if not submission.audio:
            raise Http404
        try:
            handle = submission.audio.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        # Served as a download, as the type detected at upload (older rows hold the client's claim,
        # so anything not an audio type we know goes out as bytes): never rendered by the browser.
        content_type = submission.content_type if submission.content_type in AUDIO_CONTENT_TYPES.values() else None
        response = FileResponse(
            handle,
            content_type=content_type or "application/octet-stream",
            as_attachment=True,
            filename=f"recording-{submission.pk}",
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class StatsView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("date_from", str), OpenApiParameter("date_to", str)],
        responses=StatsSerializer,
    )
    def get(self, request: Request) -> Response:
        return Response(selectors.emotion_stats(user=request.user, **_filters(request)))


def _voice_payload(user) -> dict:
    return {"examples": selectors.voice_example_count(user=user)}


class SubmissionConfirmView(APIView):
    @extend_schema(request=None, responses={201: None})
    def post(self, request: Request, pk) -> Response:
        """ "Yes, that's right": the result becomes a labelled example of the user's own voice."""
        submission = _owned_submission(request, pk)
        try:
            example = services.voice_example_confirm(user=request.user, submission=submission)
        except SubmissionError as exc:
            raise api_error(exc) from exc
        return Response({"label": example.label, **_voice_payload(request.user)}, status=status.HTTP_201_CREATED)


class VoiceExamplesView(APIView):
    @extend_schema(responses={200: None})
    def get(self, request: Request) -> Response:
        """How many of the user's recordings their personal adapter learns from."""
        return Response(_voice_payload(request.user))

    @extend_schema(responses={200: None})
    def delete(self, request: Request) -> Response:
        """Forget the user's voice: every labelled example goes."""
        deleted = services.voice_examples_reset(user=request.user)
        return Response({"deleted": deleted, **_voice_payload(request.user)})
