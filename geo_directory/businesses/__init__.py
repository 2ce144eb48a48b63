"""Listings and their category taxonomy."""
