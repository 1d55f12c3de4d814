"""Recommendation sets, their ranked tracks, and the feedback people give on them."""
