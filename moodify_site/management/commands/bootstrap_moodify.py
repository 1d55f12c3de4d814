"""Idempotent first-run setup: the Site, default emotions, the starter catalog, a demo admin."""
from __future__ import annotations

import importlib
import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sites.models import Site
from django.core.management.base import BaseCommand

from accounts.services import user_create
from catalog.services import emotions_load_defaults

DEMO_EMAIL = "admin@moodify.local"


class Command(BaseCommand):
    help = "Create the Site, default emotions, the starter catalog and a demo admin account (safe to rerun)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--domain", default=os.environ.get("MOODIFY_DOMAIN", "127.0.0.1:8000"))
        parser.add_argument("--admin-email", default=os.environ.get("MOODIFY_ADMIN_EMAIL", DEMO_EMAIL))
        parser.add_argument("--admin-password", default=os.environ.get("MOODIFY_ADMIN_PASSWORD", "moodify-demo"))

    def handle(self, *args, domain: str, admin_email: str, admin_password: str, **options) -> None:
        Site.objects.update_or_create(id=settings.SITE_ID, defaults={"domain": domain, "name": "Moodify"})
        created = emotions_load_defaults()
        self.stdout.write(f"Emotions: {created} created.")

        # The catalog app owns its starter data; it plugs in here when it provides the hook.
        try:
            catalog_services = importlib.import_module("catalog.services")
        except ModuleNotFoundError:
            catalog_services = None
        load_catalog = getattr(catalog_services, "load_defaults", None)
        if callable(load_catalog):
            summary = load_catalog()
            self.stdout.write(f"Catalog: {summary if summary is not None else 'loaded'}.")

        User = get_user_model()
        if not User.objects.filter(is_superuser=True).exists():
            user = user_create(email=admin_email, password=admin_password, is_staff=True, is_superuser=True)
            self._verify_email(user)
            self.stdout.write(self.style.SUCCESS(f"Created the demo admin {admin_email} / {admin_password}"))
        else:
            self.stdout.write("An admin account exists already; none created.")

    def _verify_email(self, user) -> None:
        # Mark the demo address verified so it can sign in even where verification is mandatory.
        from allauth.account.models import EmailAddress

        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
