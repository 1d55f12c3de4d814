"""Idempotent first-run setup: the Site, default emotions, the starter catalog, the first admin."""
from __future__ import annotations

import importlib
import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.sites.models import Site
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.services import user_create
from catalog.services import emotions_load_defaults

# Published in the README, so only settings with BOOTSTRAP_DEMO_ADMIN (dev: `make run`) use it.
DEMO_EMAIL = "admin@moodify.local"
DEMO_PASSWORD = "moodify-demo"


class Command(BaseCommand):
    help = (
        "Create the Site, default emotions, the starter catalog and the first admin account "
        "(from MOODIFY_ADMIN_EMAIL / MOODIFY_ADMIN_PASSWORD; a demo admin under development settings). "
        "Safe to rerun."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--domain", default=os.environ.get("MOODIFY_DOMAIN", "127.0.0.1:8000"))
        parser.add_argument("--admin-email", default=os.environ.get("MOODIFY_ADMIN_EMAIL", ""))

    def handle(self, *args, domain: str, admin_email: str, **options) -> None:
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

        # The password comes from the environment only: a command-line argument shows in `ps`.
        self._ensure_admin(email=admin_email, password=os.environ.get("MOODIFY_ADMIN_PASSWORD", ""))

    def _ensure_admin(self, *, email: str, password: str) -> None:
        if get_user_model().objects.filter(is_superuser=True).exists():
            self.stdout.write("An admin account exists already; none created.")
        elif email or password:
            self._create_admin(email=email, password=password)
            self.stdout.write(self.style.SUCCESS(f"Created the admin {email} (password from MOODIFY_ADMIN_PASSWORD)."))
        elif settings.BOOTSTRAP_DEMO_ADMIN:
            # The demo password is deliberately weak and public, so the validators are skipped.
            self._create_admin(email=DEMO_EMAIL, password=DEMO_PASSWORD, validate=False)
            self.stdout.write(self.style.SUCCESS(
                f"Created the demo admin {DEMO_EMAIL} / {DEMO_PASSWORD} (development settings only)."
            ))
        else:
            self.stdout.write(
                "No admin account created: set MOODIFY_ADMIN_EMAIL and MOODIFY_ADMIN_PASSWORD and rerun, "
                "or run `manage.py createsuperuser`."
            )

    def _create_admin(self, *, email: str, password: str, validate: bool = True) -> None:
        if not (email and password):
            raise CommandError(
                "Set both MOODIFY_ADMIN_EMAIL and MOODIFY_ADMIN_PASSWORD to create the admin account "
                "(only one of them is set)."
            )
        if validate:
            if password == DEMO_PASSWORD:
                raise CommandError("MOODIFY_ADMIN_PASSWORD is the published demo password. Choose your own and rerun.")
            try:
                validate_password(password, user=get_user_model()(email=email, username=email))
            except ValidationError as error:
                raise CommandError(
                    "MOODIFY_ADMIN_PASSWORD was refused: " + " ".join(error.messages)
                    + " Choose a longer, less guessable password and rerun."
                ) from error
        user = user_create(email=email, password=password, is_staff=True, is_superuser=True)
        self._verify_email(user)

    def _verify_email(self, user) -> None:
        # The first admin signs in through allauth, where verification may be mandatory and no
        # mail server may be set up yet; the operator chose this address, so it counts as verified.
        from allauth.account.models import EmailAddress

        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
