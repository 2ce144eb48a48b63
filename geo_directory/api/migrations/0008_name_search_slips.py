"""The name search forgives one slip in short words (« Pual », « Paull » → Paul).

``business_name_tsquery`` (businesses/0002) corrects a query word to the dictionary's
words of word similarity ≥ 0.5 (pg_trgm): enough for a slip in a long word, but a
4-letter word has 5 trigrams and one slip spoils most of them (« pual » and « paul »
share one). For words of 4 and 5 letters, ``businesses/search.py`` writes every word one
slip away (a letter missing, extra, wrong, two swapped: a few hundred strings) and this
function keeps those the dictionary has, through its hash index on ``word`` (one probe
each), when the typed word itself is not a word of any name. Sequential scans are off
inside the function, as in ``business_name_tsquery``: whatever the dictionary's size, it
is read through its indexes.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION search_name_tsquery(words text[], alternatives integer, slips text[],
                                    slip_of integer[]) RETURNS tsquery
LANGUAGE sql STABLE PARALLEL SAFE SET enable_seqscan = off AS $$
    WITH typed AS (
        SELECT u.i::integer AS i, immutable_unaccent(lower(u.w)) AS w,
               business_name_tsquery(ARRAY[u.w], alternatives)::text AS close
          FROM unnest(words) WITH ORDINALITY AS u(w, i)
    ), missing AS MATERIALIZED (  -- the typed words no name has: only they are slipped
        SELECT t.i FROM typed t
         WHERE NOT EXISTS (SELECT 1 FROM businesses_name_word e WHERE e.word = t.w)
    ), slipped AS (
        SELECT m.i, string_agg(DISTINCT
                   '''' || replace(replace(d.word, '\', '\\'), '''', '''''') || '''', ' | ')
                   AS alts
          FROM missing m
         CROSS JOIN LATERAL (SELECT s.w FROM unnest(slips, slip_of) AS s(w, i)
                              WHERE s.i = m.i) AS s
          JOIN businesses_name_word d ON d.word = s.w
         GROUP BY m.i
    )
    SELECT CASE WHEN bool_and(t.close IS NOT NULL OR s.alts IS NOT NULL)
                THEN string_agg('(' || concat_ws(' | ', t.close, s.alts) || ')', ' & '
                                ORDER BY t.i)::tsquery END
      FROM typed t LEFT JOIN slipped s ON s.i = t.i
$$;
"""

BACKWARD = "DROP FUNCTION IF EXISTS search_name_tsquery(text[], integer, text[], integer[]);"


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0007_cluster_cells_category_first"),
        ("businesses", "0002_name_words"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
