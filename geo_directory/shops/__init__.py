"""A page per shop: ``/commerces/<id>-<slug>/``, rendered on the server, readable without
JavaScript, shareable and indexable (JSON-LD ``LocalBusiness``, OpenGraph, canonical URL),
and the sitemaps of the published shops and of the communes.

- ``paths.py``: the shop page's path, the one home of its shape (the model's
  ``get_absolute_url``, the API's ``url`` property, the sitemap and the commune page use it);
- ``views.py``: the page, the redirect to the canonical URL, the owner's preview of a
  listing under moderation, the French pages of a listing that is not (or no longer) public;
- ``seo.py``: the JSON-LD and the opening hours as schema.org ``OpeningHoursSpecification``;
- ``sitemaps.py``: ``robots.txt``, ``sitemap.xml`` (index) and its pages, streamed.
"""
