"""The settings page's "personal voice" section, rendered by the emotion app that owns the data
(the accounts app's template loads it; accounts' code never imports emotion)."""
from __future__ import annotations

from typing import Any

from django import template

from emotion import selectors

register = template.Library()


@register.inclusion_tag("emotion/voice_settings.html", takes_context=True)
def personal_voice_settings(context: dict[str, Any]) -> dict[str, Any]:
    user = context["request"].user
    return {"examples": selectors.voice_example_count(user=user), "csrf_token": context.get("csrf_token")}
