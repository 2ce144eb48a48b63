"""Catalogues, ordering campaigns, slots and orders."""
