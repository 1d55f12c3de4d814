"""Fixtures of the emotion app's tests."""
from __future__ import annotations

import pytest


@pytest.fixture
def run_task(django_capture_on_commit_callbacks):
    """Runs the analysis task of a submission in this process, with its on-commit callbacks."""
    from emotion.tasks import analyze_submission

    def run(submission_id) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            return analyze_submission.apply(args=[str(submission_id)]).get()

    return run


@pytest.fixture
def committed(django_capture_on_commit_callbacks, monkeypatch):
    """`with committed():` runs what the block leaves for after commit, analysis tasks included,
    in this process."""
    from emotion.tasks import analyze_submission, reanalyze_submission

    monkeypatch.setattr(analyze_submission, "delay", lambda sid: analyze_submission.apply(args=[sid]))
    monkeypatch.setattr(reanalyze_submission, "delay", lambda sid: reanalyze_submission.apply(args=[sid]))
    return lambda: django_capture_on_commit_callbacks(execute=True)
