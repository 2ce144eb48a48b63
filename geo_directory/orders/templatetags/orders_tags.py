from django import template

from ..models import euros as format_euros

register = template.Library()


@register.filter
def euros(cents):
    """``{{ 1234|euros }}`` → ``12,34 €``."""
    return format_euros(cents)
