"""Recommendations: ranked tracks for an emotion result and a person, and their feedback."""
