"""Fusion rules of the voice and face signals (emotion.fusion), as the result a person sees."""
from __future__ import annotations

import pytest

from emotion.fusion import FusionRules, Signal, fuse

LABELS = ("angry", "disgust", "fearful", "happy", "neutral", "sad", "surprised")


def signal(**probs: float) -> Signal:
    rest = (1 - sum(probs.values())) / (len(LABELS) - len(probs))
    p = {lab: probs.get(lab, rest) for lab in LABELS}
    top = max(p, key=p.get)
    return Signal(probabilities=p, confidence=p[top], label=top)


RULES = FusionRules()  # 0.6 face, 0.4 voice, unclear below 0.35


@pytest.mark.parametrize("present", ["voice", "face"])
def test_a_missing_signal_leaves_the_other_exactly_as_it_was(present):
    only = signal(sad=0.55, neutral=0.2)
    fused = fuse(voice=only if present == "voice" else None, face=only if present == "face" else None, rules=RULES)
    assert fused.label == "sad" and fused.probabilities == pytest.approx(only.probabilities)
    assert fused.confidence == pytest.approx(only.confidence)
    assert fused.weights[present] == 1.0 and fused.rule == f"{present}_only"


def test_both_clear_mix_with_the_default_weights():
    voice = signal(sad=0.8)
    face = signal(happy=0.7)
    fused = fuse(voice=voice, face=face, rules=RULES)
    assert fused.weights == {"face": 0.6, "voice": 0.4} and fused.rule == "both"
    assert fused.probabilities["happy"] == pytest.approx(0.6 * 0.7 + 0.4 * voice.probabilities["happy"])
    assert fused.probabilities["sad"] == pytest.approx(0.6 * face.probabilities["sad"] + 0.4 * 0.8)
    assert fused.label == "happy"  # 0.445 against 0.35
    assert sum(fused.probabilities.values()) == pytest.approx(1.0)


def test_staff_weights_change_the_answer():
    voice, face = signal(sad=0.8), signal(happy=0.7)
    fused = fuse(voice=voice, face=face, rules=FusionRules(face_weight=0.2, voice_weight=0.8))
    assert fused.label == "sad" and fused.weights == pytest.approx({"face": 0.2, "voice": 0.8})
    # Weights that do not add up to 1 are shares of their sum.
    assert fuse(voice=voice, face=face, rules=FusionRules(face_weight=3, voice_weight=1)).weights == {
        "face": 0.75, "voice": 0.25}


@pytest.mark.parametrize(("unclear", "clear"), [("face", "voice"), ("voice", "face")])
def test_an_unclear_signal_gives_way_to_a_clear_one(unclear, clear):
    vague = signal(angry=0.2, surprised=0.19)  # under the 0.35 threshold
    sure = signal(neutral=0.7)
    kwargs = {unclear: vague, clear: sure}
    fused = fuse(**kwargs, rules=RULES)
    assert fused.label == "neutral" and fused.probabilities == pytest.approx(sure.probabilities)
    assert fused.weights[clear] == 1.0 and fused.rule == f"{clear}_clear"


def test_both_unclear_still_uses_the_default_weights():
    fused = fuse(voice=signal(sad=0.3), face=signal(angry=0.3), rules=RULES)
    assert fused.rule == "both_unclear" and fused.weights == {"face": 0.6, "voice": 0.4}
    assert fused.label == "angry"


def test_a_tie_goes_to_the_heavier_signal_choice():
    voice = signal(sad=0.6, happy=0.4)
    face = signal(happy=0.6, sad=0.4)
    equal = FusionRules(face_weight=0.5, voice_weight=0.5)
    # 0.5 each for happy and sad: the more confident signal breaks an equal-weight tie...
    tie = fuse(voice=voice, face=signal(happy=0.6, sad=0.4), rules=equal)
    assert tie.probabilities["happy"] == pytest.approx(tie.probabilities["sad"])
    assert tie.label == "happy"  # equal confidences too: the face leads
    assert fuse(voice=signal(sad=0.6, happy=0.4), face=signal(happy=0.6, sad=0.39, neutral=0.01), rules=equal).label == "happy"
    # ...and with unequal weights the heavier one decides, whichever way the numbers are built.
    mirrored = fuse(voice=face, face=voice, rules=FusionRules(face_weight=0.4, voice_weight=0.6))
    assert mirrored.label == "happy"
    assert fuse(voice=voice, face=face, rules=FusionRules(face_weight=0.6, voice_weight=0.4)).label == "happy"


def test_no_signal_at_all_is_refused():
    with pytest.raises(ValueError):
        fuse(voice=None, face=None, rules=RULES)
