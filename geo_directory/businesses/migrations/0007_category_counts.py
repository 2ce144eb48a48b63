"""Published listings per category, kept by triggers: no page counts the listings table.

The home page's category chips show how many published listings each category has.
Counting them is a scan of the whole listings table (244 ms at 200,000 listings, on every
view of ``/``). ``businesses_category_count`` holds the counts instead, as a log of
signed deltas per category: ``sum(published)`` over a category's rows is its count of
published (``status = 'published'``, not merged into another) listings.

A log rather than one row per category: a transaction adds rows and never updates one,
so two writers never wait on each other (a long import and a merchant publishing a
listing of the same category would, on a shared counter row, until the import commits).
Statement-level triggers with transition tables add one row per category and statement
(a bulk ``INSERT ... SELECT`` or a set-based ``UPDATE`` of an import costs one aggregate,
not a trigger call per row). ``compact_business_category_counts()`` folds the log into one
row per category (``geo_directory/businesses/counts.py`` calls it when the log grows);
``refresh_business_category_counts()`` recounts from the listings (a bulk import drops
the INSERT trigger and recounts once, ``businesses/bulk.py``). Both take the same advisory
lock, so neither ever deletes a row the other has just written.
"""

from django.db import migrations

# Transition tables cannot be combined with a column list (UPDATE OF status, ...): the
# UPDATE trigger sees every updated row, and adds a row only where the counts change.
PUBLISHED = "status = 'published' AND merged_into_id IS NULL"
LOCK_KEY = "'businesses_category_count'::regclass::oid::bigint"

FORWARD = f"""
CREATE TABLE businesses_category_count (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    category_id bigint NOT NULL,
    published bigint NOT NULL
);

CREATE FUNCTION business_category_counts_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO businesses_category_count (category_id, published)
    SELECT category_id, count(*) FROM new_rows WHERE {PUBLISHED} GROUP BY category_id;
    RETURN NULL;
END $$;

CREATE FUNCTION business_category_counts_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO businesses_category_count (category_id, published)
    SELECT category_id, sum(delta)
      FROM (SELECT category_id, 1 AS delta FROM new_rows WHERE {PUBLISHED}
            UNION ALL
            SELECT category_id, -1 FROM old_rows WHERE {PUBLISHED}) AS d
     GROUP BY category_id
    HAVING sum(delta) <> 0;
    RETURN NULL;
END $$;

CREATE FUNCTION business_category_counts_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO businesses_category_count (category_id, published)
    SELECT category_id, -count(*) FROM old_rows WHERE {PUBLISHED} GROUP BY category_id;
    RETURN NULL;
END $$;

CREATE FUNCTION business_category_counts_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM businesses_category_count;
    RETURN NULL;
END $$;

CREATE TRIGGER business_category_counts_insert AFTER INSERT ON businesses_business
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION business_category_counts_inserted();
CREATE TRIGGER business_category_counts_update AFTER UPDATE ON businesses_business
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION business_category_counts_updated();
CREATE TRIGGER business_category_counts_delete AFTER DELETE ON businesses_business
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION business_category_counts_deleted();
CREATE TRIGGER business_category_counts_truncate AFTER TRUNCATE ON businesses_business
    FOR EACH STATEMENT EXECUTE FUNCTION business_category_counts_truncated();

-- The log folded into one row per category. Skipped (false) while another transaction
-- holds the lock: a bulk import recounting, or another compaction.
CREATE FUNCTION compact_business_category_counts() RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT pg_try_advisory_xact_lock({LOCK_KEY}) THEN
        RETURN false;
    END IF;
    -- One statement, so one snapshot (taken after the lock): what it deletes is what it sums.
    WITH folded AS (DELETE FROM businesses_category_count RETURNING category_id, published)
    INSERT INTO businesses_category_count (category_id, published)
    SELECT category_id, sum(published) FROM folded
     GROUP BY category_id HAVING sum(published) <> 0;
    RETURN true;
END $$;

-- The exact counts from the listings. One statement: the log rows it deletes and the
-- listings it counts are those of the same snapshot, so a transaction committing
-- meanwhile keeps its own delta rows and is not counted twice.
CREATE FUNCTION refresh_business_category_counts() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({LOCK_KEY});
    WITH cleared AS (DELETE FROM businesses_category_count)
    INSERT INTO businesses_category_count (category_id, published)
    SELECT category_id, count(*) FROM businesses_business WHERE {PUBLISHED}
     GROUP BY category_id;
END $$;

SELECT refresh_business_category_counts();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS business_category_counts_truncate ON businesses_business;
DROP TRIGGER IF EXISTS business_category_counts_delete ON businesses_business;
DROP TRIGGER IF EXISTS business_category_counts_update ON businesses_business;
DROP TRIGGER IF EXISTS business_category_counts_insert ON businesses_business;
DROP FUNCTION IF EXISTS refresh_business_category_counts();
DROP FUNCTION IF EXISTS compact_business_category_counts();
DROP FUNCTION IF EXISTS business_category_counts_truncated();
DROP FUNCTION IF EXISTS business_category_counts_deleted();
DROP FUNCTION IF EXISTS business_category_counts_updated();
DROP FUNCTION IF EXISTS business_category_counts_inserted();
DROP TABLE IF EXISTS businesses_category_count;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("businesses", "0006_partial_delivery_zone_gist"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
