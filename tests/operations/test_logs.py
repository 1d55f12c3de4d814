"""Log lines as a log shipper reads them: JSON in production, each naming its request and
submission, with passwords, tokens and audio scrubbed whichever library wrote them."""
from __future__ import annotations

import json
import logging

import pytest

from operations.context import bind_submission, request_id_from_header, request_id_var, submission_id_var
from operations.logs import REDACTED, RedactSecretsFilter, RequestContextFilter
from tests.moodify_site.test_production_settings import manage, production_env


def _record(msg: str, *args) -> logging.LogRecord:
    return logging.LogRecord("moodify.test", logging.INFO, __file__, 1, msg, args, None)


@pytest.mark.parametrize(
    ("message", "secret"),
    [
        ("Authorization: Token 9f8e7d6c5b4a", "9f8e7d6c5b4a"),
        ("headers={'Authorization': 'Bearer abc.def.ghi'}", "abc.def.ghi"),
        ("POST body password=hunter2-long&email=a@b.c", "hunter2-long"),
        ('{"password1": "correct horse", "token": "tok_123456"}', "tok_123456"),
        ("GET /callback?code=1&token=qwerty123 HTTP/1.1", "qwerty123"),
        ("spotify client secret: s3cr3tvalue", "s3cr3tvalue"),
    ],
)
def test_secrets_are_scrubbed_from_messages(message, secret):
    record = _record(message)
    assert RedactSecretsFilter().filter(record)
    assert secret not in record.getMessage() and REDACTED in record.getMessage()


def test_audio_bytes_become_their_size_and_ordinary_lines_are_left_alone():
    record = _record("stored %s for %s", b"RIFF\x00\x01WAVEfmt " * 100, "ada")
    RedactSecretsFilter().filter(record)
    assert record.getMessage() == "stored <1400 bytes> for ada"
    plain = _record("submission failed: %s", "too_many_attempts")
    RedactSecretsFilter().filter(plain)
    assert plain.getMessage() == "submission failed: too_many_attempts"


def test_records_carry_the_current_request_and_submission_unless_they_name_their_own():
    request_token = request_id_var.set("req-1")
    submission_token = submission_id_var.set("")
    try:
        bind_submission("5d0c7a52-0000-4000-8000-000000000001")
        record = _record("hello")
        RequestContextFilter().filter(record)
        assert (record.request_id, record.submission_id) == ("req-1", "5d0c7a52-0000-4000-8000-000000000001")
        own = _record("reaped")
        own.submission_id = "another"
        RequestContextFilter().filter(own)
        assert own.submission_id == "another"
    finally:
        request_id_var.reset(request_token)
        submission_id_var.reset(submission_token)


@pytest.mark.parametrize("header", [None, "", "a b", 'x"y', "line\nbreak", "x" * 200])
def test_request_ids_that_could_forge_or_flood_log_lines_are_replaced(header):
    generated = request_id_from_header(header)
    assert generated != header and len(generated) == 32


def test_a_proxys_request_id_is_kept():
    assert request_id_from_header("edge-7f3a:42") == "edge-7f3a:42"


def test_production_logs_one_json_object_per_line_with_ids_and_no_password(tmp_path):
    script = (
        "import logging; from operations.context import request_id_var, bind_submission; "
        "request_id_var.set('req-42'); bind_submission('sub-7'); "
        "logging.getLogger('accounts').warning('sign-in failed for %s password=%s', 'ada@example.com', 'pa55word!')"
    )
    result = manage("shell", "-c", script, env=production_env(PROMETHEUS_MULTIPROC_DIR=str(tmp_path)))
    assert result.returncode == 0, result.stderr
    line = json.loads([row for row in result.stderr.splitlines() if row.startswith("{")][-1])
    assert line["level"] == "WARNING" and line["logger"] == "accounts"
    assert (line["request_id"], line["submission_id"]) == ("req-42", "sub-7")
    assert "ada@example.com" in line["message"] and "pa55word!" not in result.stderr
    assert {"time", "pid"} <= set(line)
