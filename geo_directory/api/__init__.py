"""The public read-only REST API under /api/v1/."""
