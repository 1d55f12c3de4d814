"""After a correction, switching strategy keeps recommending for the mood the person told us."""
from recommendations import selectors, services
from recommendations.models import RecommendationSet


def test_a_strategy_switch_after_a_correction_uses_the_corrected_emotion(catalog, result_for, user, worker):
    result = result_for("angry")
    lift_before = services.build_recommendation_set(result=result, strategy="lift")
    services.correct_emotion(user=user, submission=result.submission, emotion="calm")
    submission = result.submission
    # The set from before the correction is not what a switch to lift shows any more.
    assert selectors.submission_set(submission=submission, strategy="lift") is None

    for strategy in ("lift", "calm"):  # what a GET does: the build is queued (the worker runs it)
        assert services.recommendations_request(submission=submission, strategy=strategy) == services.BUILDING
    lift = selectors.submission_set(submission=submission, strategy="lift")
    calm = selectors.submission_set(submission=submission, strategy="calm")
    assert lift.pk != lift_before.pk and lift.emotion == "calm" and lift.strategy == "lift"
    assert calm.emotion == "calm"
    # Asking again returns the same set rather than building another one.
    assert selectors.submission_set(submission=submission, strategy="lift").pk == lift.pk
    services.recommendations_request(submission=submission, strategy="lift")
    assert RecommendationSet.objects.filter(submission=submission, strategy="lift").count() == 2
