"""Signals other apps use to take part in account-wide operations."""
from django.dispatch import Signal

# Sent with `user=`; a receiver returns a dict of extra top-level sections for the data export.
collect_user_export = Signal()

# Sent with `user=` inside the transaction that changed the user's recording retention choice;
# the emotion app applies it to the recordings already stored.
recording_retention_changed = Signal()

# Sent with `user=` before an account is deleted; apps delete what they keep outside the cascade
# (the emotion app: every submission and its recording file).
user_deleting = Signal()
