"""One geocoding service for forms, importers and the API."""
