"""Signals other apps use to take part in account-wide operations."""
from django.dispatch import Signal

# Sent with `user=`; a receiver returns a dict of extra top-level sections for the data export.
collect_user_export = Signal()
