"""The database backend: GeoDjango's PostGIS backend with a health check that costs no
round trip (see ``base.DatabaseWrapper.is_usable``)."""
