"""``{% load photos %}``: a listing's photos in any template.

- ``{% photos_for business as photos %}``: the dicts of ``public.photos_for``;
- ``{% listing_photos business %}``: a ready gallery (responsive ``srcset``, lazy).
"""

from django import template

from ..public import photos_for as _photos_for

register = template.Library()


@register.simple_tag
def photos_for(business, product=None):
    return _photos_for(business, product)


@register.inclusion_tag("photos/_gallery.html")
def listing_photos(business, product=None, sizes="(max-width: 600px) 100vw, 400px"):
    return {"photos": _photos_for(business, product), "sizes": sizes}
