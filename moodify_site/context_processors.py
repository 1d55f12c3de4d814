"""What every page's scripts read through ``json_script``: the API addresses, from the URL conf."""
from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

# Stands for an id in an address template; the page puts the real id in its place.
ID = "00000000-0000-0000-0000-000000000000"


def _template(name: str, **kwargs: Any) -> str:
    return reverse(name, kwargs={key: ID if value == "uuid" else 0 for key, value in kwargs.items()}).replace(
        ID, "{id}").replace("/0/", "/{id}/")


def api_urls(request: HttpRequest) -> dict[str, Any]:
    return {
        "api_urls": {
            "submissions": reverse("api-submission-list"),
            "submission": _template("api-submission-detail", pk="uuid"),
            "picked": reverse("api-submission-picked"),
            "stats": reverse("api-me-stats"),
            "feedback": _template("recommendation-feedback", item_id="int"),
            "profile": reverse("api-me-profile"),
            "account": reverse("api-me"),
            "token": _template("api-me-token", token_id="int"),
        }
    }
