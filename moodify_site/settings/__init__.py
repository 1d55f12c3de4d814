"""Settings: `base` plus one small module per environment (dev, test, production)."""
