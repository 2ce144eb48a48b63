"""Nightly (or after a big import): rebuild the dictionary of the listings' name words.

The name search (``businesses/search.py``) corrects each query word to the real words of
listing names held in ``businesses_name_word``. Triggers add the words of every new or
renamed listing at once, so the dictionary is never missing one; words of renamed or
deleted listings stay until this refresh, which keeps exactly the current words, once
each (a stale word costs nothing but a little room: a correction to it finds nothing).
"""

from django.core.management.base import BaseCommand
from django.db import connection, transaction


class Command(BaseCommand):
    help = "Rebuild the dictionary of the words of listing names (run nightly)."

    def handle(self, *args, **options):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT refresh_business_name_words()")
            words = cursor.fetchone()[0]
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE businesses_name_word")
        self.stdout.write(f"{words} distinct words in listing names")
