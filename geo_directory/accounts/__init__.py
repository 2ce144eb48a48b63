"""Merchant accounts, claims and listing ownership."""
