"""PostgreSQL multirange columns (PG 14+), which Django has no field for.

They hold pre-computed opening hours so that "open now" is a range containment test in
SQL instead of parsing an ``opening_hours`` string per row in Python.
"""

from django.db import models
from psycopg.types.multirange import Multirange
from psycopg.types.range import Range


class _MultiRangeField(models.Field):
    db_type_name = ""
    element_type = ""

    def db_type(self, connection):
        return self.db_type_name

    def get_prep_value(self, value):
        if value is None or isinstance(value, Multirange):
            return value
        return Multirange(Range(lower, upper) for lower, upper in value)


class IntegerMultiRangeField(_MultiRangeField):
    description = "int4multirange"
    db_type_name = "int4multirange"
    element_type = "int4"


class DateTimeMultiRangeField(_MultiRangeField):
    description = "tstzmultirange"
    db_type_name = "tstzmultirange"
    element_type = "timestamptz"


@IntegerMultiRangeField.register_lookup
@DateTimeMultiRangeField.register_lookup
class RangeContainsElement(models.Lookup):
    """``field__contains_element=value``: ``field @> value``."""

    lookup_name = "contains_element"
    prepare_rhs = False  # the right-hand side is an element, not a multirange

    def get_db_prep_lookup(self, value, connection):
        return ("%s", [value])

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        cast = self.lhs.output_field.element_type
        return f"{lhs} @> ({rhs})::{cast}", [*lhs_params, *rhs_params]
