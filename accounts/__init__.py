"""People who use Moodify: the user model, profiles and preferences, personal data export/deletion."""
