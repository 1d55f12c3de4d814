"""Recommendations REST API: a submission's set, feedback on an item, emotion corrections."""
import uuid

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import services
from ..models import Recommendation
from ..selectors import set_with_items
from .serializers import (
    CorrectionInputSerializer, FeedbackInputSerializer, FeedbackSerializer, RecommendationSetSerializer,
    StrategyQuerySerializer, set_payload,
)


def own_submission(request, submission_id: str):
    from emotion.models import VoiceSubmission

    try:
        key = uuid.UUID(str(submission_id))
    except ValueError:
        raise Http404 from None
    submission = VoiceSubmission.objects.filter(pk=key, user=request.user).first()
    if submission is None:
        raise Http404
    return submission


class SubmissionRecommendationsView(APIView):
    @extend_schema(parameters=[StrategyQuerySerializer], responses=RecommendationSetSerializer)
    def get(self, request, submission_id):
        submission = own_submission(request, submission_id)
        query = StrategyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rec_set = services.recommendations_for_submission(
            submission=submission, strategy=query.validated_data.get("strategy"))
        return Response(set_payload(set_with_items(set_id=rec_set.pk)))


class FeedbackView(APIView):
    @extend_schema(request=FeedbackInputSerializer, responses={201: FeedbackSerializer})
    def post(self, request, item_id):
        item = Recommendation.objects.select_related("track").filter(
            pk=item_id, recommendation_set__user=request.user).first()
        if item is None:
            raise Http404
        data = FeedbackInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        feedback = services.record_feedback(user=request.user, recommendation=item, **data.validated_data)
        return Response(FeedbackSerializer(feedback).data, status=status.HTTP_201_CREATED)


class CorrectionView(APIView):
    @extend_schema(request=CorrectionInputSerializer, responses={201: RecommendationSetSerializer})
    def post(self, request, submission_id):
        submission = own_submission(request, submission_id)
        data = CorrectionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rec_set = services.correct_emotion(user=request.user, submission=submission, **data.validated_data)
        return Response(set_payload(set_with_items(set_id=rec_set.pk)), status=status.HTTP_201_CREATED)
