"""French plurals for the residents' pages: 0 and 1 are singular (« 0 commerce »).

Django's ``pluralize`` follows English (« 0 commerces »).
"""

from django import template
from django.utils.formats import number_format

register = template.Library()


def counted(n: int, one: str, many: str) -> str:
    """« 0 commerce », « 1 commerce », « 2 commerces », « 1 250 commerces »."""
    return f"{number_format(n, force_grouping=True)} {one if abs(n) < 2 else many}"


@register.filter
def nombre(value, forms: str) -> str:
    """``{{ count|nombre:"commerce,commerces" }}``: the number and the noun, agreed."""
    one, many = forms.split(",")
    return counted(int(value), one, many)
