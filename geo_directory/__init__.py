"""Sauvons Noël: the Django project and its domain apps."""
