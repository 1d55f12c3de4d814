"""Recommendations REST API: a submission's set, feedback on an item, emotion corrections."""
from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, services
from ..models import Recommendation
from ..payloads import set_payload
from .serializers import (
    CorrectionInputSerializer, FeedbackInputSerializer, FeedbackSerializer, RecommendationSetSerializer,
    SetPendingSerializer, StrategyQuerySerializer,
)


def own_submission(request, submission_id):
    from emotion.selectors import submission_get

    submission = submission_get(user=request.user, submission_id=submission_id)
    if submission is None:  # someone else's answers exactly like one that does not exist
        raise Http404
    return submission


class SubmissionRecommendationsView(APIView):
    @extend_schema(parameters=[StrategyQuerySerializer],
                   responses={200: RecommendationSetSerializer, 202: SetPendingSerializer})
    def get(self, request, submission_id):
        """A read: the set, or 202 while it is on its way (it is never built in this request)."""
        submission = own_submission(request, submission_id)
        query = StrategyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        strategy = query.validated_data.get("strategy")
        rec_set = selectors.submission_set(submission=submission, strategy=strategy)
        if rec_set is not None:
            return Response(set_payload(selectors.set_with_items(set_id=rec_set.pk)))
        pending = services.recommendations_request(submission=submission, strategy=strategy)
        return Response({"status": pending.status, "detail": pending.detail}, status=status.HTTP_202_ACCEPTED,
                        headers={"Retry-After": str(settings.RECOMMENDATION_RETRY_AFTER_S)})


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
        return Response(set_payload(selectors.set_with_items(set_id=rec_set.pk)), status=status.HTTP_201_CREATED)
