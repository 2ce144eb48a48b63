"""Bulk importers: plain Python modules, one per source format, wrapped by thin commands."""
