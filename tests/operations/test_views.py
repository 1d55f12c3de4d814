"""The operator endpoints' contract where no running stack is needed (the rest:
tests/integration/test_operations.py)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def client() -> Client:
    return Client()


def test_metrics_are_off_without_a_configured_token(client, settings):
    settings.MOODIFY_METRICS_TOKEN = ""
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 404
    assert "MOODIFY_METRICS_TOKEN" in response.json()["detail"]


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer wrong", "Token right-token", "bearer right-token-extra"])
def test_metrics_refuse_anything_but_the_bearer_token(client, settings, header):
    settings.MOODIFY_METRICS_TOKEN = "right-token"
    response = client.get("/metrics", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


@pytest.mark.django_db
def test_metrics_with_the_token_are_prometheus_text(client, settings):
    settings.MOODIFY_METRICS_TOKEN = "right-token"
    client.get("/api/v1/submissions/")  # one request to count
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer right-token")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert 'moodify_http_requests_total{method="GET",route="/api/v1/submissions/",status="401"}' in response.text


def test_liveness_answers_without_touching_any_service_or_the_host_check(client):
    response = client.get("/healthz", HTTP_HOST="internal-address:8000")
    assert response.status_code == 200 and response.json() == {"status": "alive"}


def _documented_metrics() -> set[str]:
    table = (ROOT / "docs" / "operations.md").read_text()
    names = set()
    for cell in re.findall(r"^\| (`moodify_[^|]+)\|", table, re.MULTILINE):
        names |= set(re.findall(r"`(moodify_\w+)`", cell))
    return names


@pytest.mark.django_db
def test_every_metric_is_documented_and_the_dashboard_plots_only_documented_ones():
    from prometheus_client.metrics import MetricWrapperBase

    from operations import metrics, scrape

    defined = {m._name + ("_total" if m._type == "counter" else "")
               for m in vars(metrics).values() if isinstance(m, MetricWrapperBase)}
    defined |= {family.name for source in scrape._sources.values() for family in source()}
    defined.add("moodify_scrape_source_failed")
    assert _documented_metrics() == defined
    dashboard = (ROOT / "docker" / "grafana-dashboard.json").read_text()
    plotted = {re.sub(r"_(bucket|sum|count)$", "", name) for name in re.findall(r"moodify_\w+", dashboard)}
    plotted.discard("moodify_ops")  # the dashboard's uid
    assert plotted <= defined, plotted - defined
