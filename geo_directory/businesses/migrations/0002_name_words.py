"""Name search: a full-text index on listing names and a dictionary of their words.

``BusinessQuerySet.matching()`` corrects each word of the query to the close real words
of the dictionary (a small table with a trigram index: typos, accents, case), then finds
the listings having those words with the full-text GIN index ``business_name_tsv`` (GIN's
fast scan intersects a rare word with a common one without reading the common one's
whole posting list). See ``geo_directory/businesses/search.py``.

The dictionary ``businesses_name_word`` holds every word (lexeme) of
``to_tsvector('simple', immutable_unaccent(lower(name)))`` of every listing but the
hyphenated compounds (their parts are there). It may hold more: words of renamed or
deleted listings stay until ``refresh_business_name_words()`` (harmless: a correction to
a word no listing has finds nothing). Triggers keep it: one per INSERT statement (its
transition table: a bulk ``INSERT ... SELECT`` costs one set operation, not one per row)
and one per row whose name changed. No unique constraint on purpose: a bulk import
adding a new word in its long transaction must not block a merchant saving a listing
with the same word until it commits; the rare duplicates are harmless and the refresh
removes them.
"""

from django.db import migrations

NAME_TSV = "to_tsvector('simple'::regconfig, immutable_unaccent(lower({})))"
# A dictionary word: a lexeme but a hyphenated compound ('boulangerie-patisserie': the
# parser also emits its parts, which the query words, split on non-letters, are compared
# with). A leading '-' is a sign ('-14'), not a compound.
WORD = "strpos(substr(t.lexeme, 2), '-') = 0"

FORWARD = rf"""
CREATE INDEX business_name_tsv ON businesses_business USING gin ({NAME_TSV.format("name")});

CREATE TABLE businesses_name_word (word text NOT NULL);
-- Equality only (the triggers' "is it there yet"): a hash index, that the planner can
-- never walk whole in place of the trigram index when sequential scans are off.
CREATE INDEX businesses_name_word_word ON businesses_name_word USING hash (word);
-- Few inserts (new words only): no pending list for searches to read through.
CREATE INDEX businesses_name_word_trgm ON businesses_name_word USING gin (word gin_trgm_ops)
    WITH (fastupdate = off);

-- The distinct words of these names.
CREATE FUNCTION business_name_words(names text[]) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT DISTINCT t.lexeme
      FROM unnest(names) AS n(name)
     CROSS JOIN LATERAL unnest({NAME_TSV.format("n.name")}) AS t
     WHERE {WORD}
$$;

-- In PL/pgSQL (plans cached), not through the SQL function above (planned on every
-- call: 230 µs per renamed row instead of a few tens).
CREATE FUNCTION business_name_words_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO businesses_name_word (word)
    SELECT DISTINCT t.lexeme
      FROM (SELECT DISTINCT name FROM inserted_rows) AS n
     CROSS JOIN LATERAL unnest({NAME_TSV.format("n.name")}) AS t
     WHERE {WORD}
       AND NOT EXISTS (SELECT 1 FROM businesses_name_word d WHERE d.word = t.lexeme);
    RETURN NULL;
END $$;

CREATE FUNCTION business_name_words_renamed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO businesses_name_word (word)
    SELECT DISTINCT t.lexeme
      FROM unnest({NAME_TSV.format("NEW.name")}) AS t
     WHERE {WORD}
       AND NOT EXISTS (SELECT 1 FROM businesses_name_word d WHERE d.word = t.lexeme);
    RETURN NULL;
END $$;

CREATE TRIGGER business_name_words_insert AFTER INSERT ON businesses_business
    REFERENCING NEW TABLE AS inserted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION business_name_words_inserted();

CREATE TRIGGER business_name_words_update AFTER UPDATE OF name ON businesses_business
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION business_name_words_renamed();

-- Exactly the words of the current names, once each (nightly, or after a big import).
CREATE FUNCTION refresh_business_name_words() RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    total integer;
BEGIN
    DELETE FROM businesses_name_word;
    INSERT INTO businesses_name_word (word)
    SELECT business_name_words(array_agg(name)) FROM businesses_business;
    GET DIAGNOSTICS total = ROW_COUNT;
    RETURN total;
END $$;

-- The full-text query of a search. Each word (already split: 3 letters or more) becomes
-- the OR of its `alternatives` closest dictionary words (word similarity of at least
-- pg_trgm.word_similarity_threshold; best first: the word itself when a listing has
-- it, then close typos and the longer words it begins), and the words are ANDed. NULL
-- (matches nothing) when a word has no close word at all. The dictionary is read through
-- its trigram index only: a sequential scan would compute the similarity of every word.
CREATE FUNCTION business_name_tsquery(words text[], alternatives integer) RETURNS tsquery
LANGUAGE sql STABLE PARALLEL SAFE SET enable_seqscan = off AS $$
    SELECT CASE WHEN count(*) = cardinality(words)
                THEN string_agg('(' || alts || ')', ' & ' ORDER BY i)::tsquery END
      FROM (SELECT q.i,
                   string_agg(
                       '''' || replace(replace(c.word, '\', '\\'), '''', '''''') || '''',
                       ' | ' ORDER BY c.similarity DESC, c.gap, c.word) AS alts
              FROM (SELECT immutable_unaccent(lower(u.w)) AS w, u.i
                      FROM unnest(words) WITH ORDINALITY AS u(w, i)
                    OFFSET 0) AS q  -- normalised once, not once per dictionary word
             CROSS JOIN LATERAL (
                   -- Closest first, then the closest in length (« fabre »: fabret before
                   -- fababret), each word once (the dictionary may hold a word twice).
                   SELECT DISTINCT ON (d.similarity, d.gap, d.word) d.*
                     FROM (SELECT word, word_similarity(q.w, word) AS similarity,
                                  abs(length(word) - length(q.w)) AS gap
                             FROM businesses_name_word
                            WHERE word %> q.w
                           OFFSET 0) AS d
                    ORDER BY d.similarity DESC, d.gap, d.word
                    LIMIT alternatives) AS c
             GROUP BY q.i) AS per_word
$$;

SELECT refresh_business_name_words();
ANALYZE businesses_name_word;
"""

BACKWARD = """
DROP TRIGGER IF EXISTS business_name_words_update ON businesses_business;
DROP TRIGGER IF EXISTS business_name_words_insert ON businesses_business;
DROP FUNCTION IF EXISTS business_name_tsquery(text[], integer);
DROP FUNCTION IF EXISTS refresh_business_name_words();
DROP FUNCTION IF EXISTS business_name_words_renamed();
DROP FUNCTION IF EXISTS business_name_words_inserted();
DROP FUNCTION IF EXISTS business_name_words(text[]);
DROP TABLE IF EXISTS businesses_name_word;
DROP INDEX IF EXISTS business_name_tsv;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("businesses", "0001_initial"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
