"""Arrays written as one literal (postgis/arrays.py) read back as the values they hold."""

import pytest
from django.db import connection

from geo_directory.postgis.arrays import int_array, text_array


@pytest.mark.django_db
def test_literals_read_back_as_their_values():
    words = ["null", "NULL", 'a"b', "c\\d", "pâtisserie", "{x}", "a,b", ""]
    ids = [0, 7, 9_000_000_000, -3]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::text[], %s::bigint[], %s::bigint[]",
            [text_array(words), int_array(ids), int_array([])],
        )
        assert cursor.fetchone() == (words, ids, [])
