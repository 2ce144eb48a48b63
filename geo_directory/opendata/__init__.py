"""The directory as open data: an OGC API – Features service and streamed downloads.

Only published listings (``Business.objects.published()``: not merged into another) and
only their public fields leave through here; ``public.py`` is the one list of them.
"""
