"""What the listings tell the layers above them, without knowing them.

``listings_bulk_changed`` is sent after many listings changed at once (an import
committed); a receiver refreshes what it derives from the whole table (the API's
pre-aggregated map clusters: ``geo_directory/api/apps.py``) and may return one line for
the operator, which the sender prints.
"""

from __future__ import annotations

from django.dispatch import Signal

listings_bulk_changed = Signal()


def announce_bulk_change(sender) -> list[str]:
    """Send ``listings_bulk_changed``; the receivers' lines (a receiver may return None)."""
    return [line for _, line in listings_bulk_changed.send(sender=sender) if isinstance(line, str)]
