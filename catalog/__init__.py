"""The music catalog: emotions, genres, mood maps and tracks, curated by staff in the admin."""
