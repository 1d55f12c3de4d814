"""After a correction, switching strategy keeps recommending for the mood the person told us."""
from recommendations import services


def test_a_strategy_switch_after_a_correction_uses_the_corrected_emotion(catalog, result_for, user):
    result = result_for("angry")
    lift_before = services.build_recommendation_set(result=result, strategy="lift")
    services.correct_emotion(user=user, submission=result.submission, emotion="calm")

    lift = services.recommendations_for_submission(submission=result.submission, strategy="lift")
    calm = services.recommendations_for_submission(submission=result.submission, strategy="calm")
    assert lift.pk != lift_before.pk and lift.emotion == "calm" and lift.strategy == "lift"
    assert calm.emotion == "calm"
    # Asking again returns the same set rather than building another one.
    assert services.recommendations_for_submission(submission=result.submission, strategy="lift").pk == lift.pk
