"""Name search (q=): the dictionary of the names' words, the full-text index, the ranking.

On the real chain listings (Marie Blachère, Paul, GiFi, Stokomani, Action, B&M) and a
few of our own; the dictionary must follow every way a listing is created or renamed.
"""

import pytest
from django.contrib.gis.geos import Polygon
from django.db import connection
from django.utils.timezone import now

from geo_directory.api import queries
from geo_directory.businesses.models import Business, Category
from geo_directory.businesses.search import name_tsquery, query_words
from tests.factories import make_listing

from .conftest import features, ids

pytestmark = pytest.mark.django_db
URL = "/api/v1/businesses/"
VIEUX_PORT = (5.3698, 43.2951)


def names(response) -> set[str]:
    return {f["properties"]["name"] for f in features(response)}


def dictionary(word: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM businesses_name_word WHERE word = %s", [word])
        return cursor.fetchone()[0]


def all_ids(client, params) -> set[int]:
    found, page = set(), 1
    while True:
        body = client.get(URL, {**params, "page_size": 200, "page": page}).json()
        found |= {f["id"] for f in body["features"]}
        if not body["next"]:
            return found
        page += 1


def published_ids(**filters) -> set[int]:
    return set(Business.objects.published().filter(**filters).values_list("id", flat=True))


@pytest.mark.parametrize(
    "q, name",
    [
        ("Marie Blachere", "Boulangerie Marie Blachère"),
        ("blachère", "Boulangerie Marie Blachère"),
        ("BLACHRE", "Boulangerie Marie Blachère"),  # a letter missing
        ("stokomany", "Stokomani"),
        ("gifi", "GiFi"),
        ("B&M", "B&M"),
    ],
)
def test_real_names_are_found_despite_accents_case_and_typos(client, q, name):
    response = client.get(URL, {"q": q, "page_size": 200})
    assert names(response) == {name}
    expected = published_ids(name=name)
    assert response.json()["count"] == len(expected) and set(ids(response)) == expected


def test_with_a_trade_word_the_names_come_first_then_the_trade(client):
    """« boulangeri » is the bakery trade (query_words.py): the names having « mari »
    first, then the other bakeries."""
    found = features(client.get(URL, {"q": "boulangeri mari", "page_size": 200}))
    named = published_ids(name="Boulangerie Marie Blachère")
    assert {f["id"] for f in found[: len(named)]} == named
    assert {f["id"] for f in found} == named | published_ids(category__slug="boulangerie")


def test_a_word_no_name_has_finds_nothing(client):
    assert not ids(client.get(URL, {"q": "zygomatique"}))
    assert not ids(client.get(URL, {"q": "blachère zygomatique"}))  # every word must match
    assert name_tsquery("zygomatique") is None


@pytest.mark.parametrize(
    "q",
    [
        "%_%",
        "blach%",
        "bla_hère",
        "' OR 1=1 --",
        "boulangerie & | ! ( ) : * <-> :A",
        "'boulangerie'",
        "\\\\ \\' \"",
        "🎄 noël 🎄",
        "x" * 100,
        "ab",
        "a b c",
    ],
)
def test_metacharacters_are_plain_text(client, q):
    response = client.get(URL, {"q": q})
    assert response.status_code == 200, response.content[:300]
    if "boulangerie" in q:  # the words are still searched, operators are not operators
        found = features(response)  # the bakery trade: the name « boulangerie » first
        assert found[0]["properties"]["name"] == "Boulangerie Marie Blachère"
        assert {f["properties"]["category"] for f in found} == {"boulangerie"}


def test_query_words():
    assert query_words("Boulangerie  pâtissière, Boulangerie!") == ["boulangerie", "pâtissière"]
    assert query_words("B&M") == ["b&m"]  # no word of 3 letters: the whole text


def test_the_dictionary_follows_creations_and_renames(client):
    listing = make_listing("Fromagerie Zygomatique", *VIEUX_PORT, category="fromagerie")
    assert dictionary("zygomatique") == 1
    assert ids(client.get(URL, {"q": "fromagerie zygomatiqe"})) == [listing.id]

    listing.name = "Crèmerie Quintessence"  # a form or the admin: save()
    listing.save()
    assert dictionary("cremerie") == dictionary("quintessence") == 1
    assert ids(client.get(URL, {"q": "cremerie quintessense"})) == [listing.id]
    assert not ids(client.get(URL, {"q": "zygomatique"}))  # the old name no longer matches

    Business.objects.filter(pk=listing.pk).update(name="Fromagerie Xylophone")  # set-based
    assert ids(client.get(URL, {"q": "xylophone"})) == [listing.id]

    # An importer's INSERT ... SELECT of many rows at once (statement-level trigger).
    category = Category.objects.get(slug="fromagerie")
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO businesses_business (
                   name, category_id, description, street, postcode, commune_id, location,
                   geocode_precision, phone, email, website, opening_hours, offers_pickup,
                   offers_delivery, status, moderation_note, source, external_id,
                   owned_fields, created_at, updated_at)
               SELECT 'Fromagerie ' || w, %s, '', '', '13001', '13055',
                      ST_SetSRID(ST_MakePoint(5.37, 43.30), 4326), 'source', '', '', '', '',
                      false, false, 'published', '', 'csv', 'test-' || w, '{}', now(), now()
                 FROM unnest(ARRAY['Quokka', 'Ornithorynque']) AS w
            RETURNING id""",
            [category.id],
        )
        inserted = sorted(row[0] for row in cursor.fetchall())
    assert dictionary("quokka") == dictionary("ornithorynque") == 1
    assert ids(client.get(URL, {"q": "ornitorynque"})) == inserted[1:]

    # The nightly refresh: exactly the words of the current names, once each.
    with connection.cursor() as cursor:
        cursor.execute("SELECT refresh_business_name_words()")
        cursor.execute(
            "SELECT count(*), count(DISTINCT word) FROM businesses_name_word"
            " WHERE word IN ('zygomatique', 'cremerie', 'quintessence', 'xylophone')"
        )
        assert cursor.fetchone() == (1, 1)  # xylophone only
        cursor.execute("SELECT count(*) = count(DISTINCT word) FROM businesses_name_word")
        assert cursor.fetchone()[0]
    assert ids(client.get(URL, {"q": "xylophone"})) == [listing.id]


def test_ranked_best_first_then_by_id(client):
    exact = make_listing("Boulangerie Blachère", *VIEUX_PORT)
    found = features(client.get(URL, {"q": "boulangerie blachère", "page_size": 200}))
    assert found[0]["id"] == exact.id
    qs = Business.objects.published().matching("boulangerie blachère")
    expected = sorted(qs.values_list("relevance", "id"), key=lambda r: (-r[0], r[1]))
    # The names first (then the bakery trade's other listings, query_words.py).
    assert [f["id"] for f in found][: len(expected)] == [i for _, i in expected]


def test_a_common_word_ranks_at_most_so_many_matches(db):
    everyone = Business.objects.published().matching("boulangerie")
    total = everyone.count()
    assert total > 20

    def by_relevance(at_most):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(queries, "RANKED_AT_MOST", at_most)
            query = queries.name_matches(queries.Query(now()), name_tsquery("boulangerie"))
            return [(relevance, pk) for pk, relevance in query.by_relevance("boulangerie").ranked()]

    # Fewer matches than the bound: the order is exact.
    ranked = by_relevance(total)
    assert ranked == sorted(everyone.values_list("relevance", "id"), key=lambda r: (-r[0], r[1]))
    # More: that many are ranked, the best of them first.
    few = by_relevance(20)
    assert len(few) == 20 and few == sorted(few, key=lambda r: (-r[0], r[1]))
    assert {i for _, i in few} <= {i for _, i in ranked}


def test_search_combines_with_every_filter(client):
    lon, lat = VIEUX_PORT
    everything = set(ids(client.get(URL, {"q": "blachere", "page_size": 200})))
    assert len(everything) > 20
    for params, expected in [
        ({"commune": "13055"}, published_ids(commune_id="13055")),
        ({"departement": "06"}, published_ids(commune__departement_id="06")),
        ({"category": "alimentation"}, all_ids(client, {"category": "alimentation"})),
        (
            {"in_bbox": "5.2,43.2,5.6,43.4"},
            published_ids(location__within=_box(5.2, 43.2, 5.6, 43.4)),
        ),
    ]:
        found = set(ids(client.get(URL, {"q": "blachere", "page_size": 200, **params})))
        assert found == everything & expected, params
    # With a point: nearest first, the same listings within the radius.
    near = features(client.get(URL, {"q": "blachere", "point": f"{lon},{lat}", "dist": 20000}))
    distances = [f["properties"]["distance_m"] for f in near]
    assert near and distances == sorted(distances) and max(distances) <= 20000
    assert {f["id"] for f in near} <= everything


def _box(x0, y0, x1, y1):
    box = Polygon.from_bbox((x0, y0, x1, y1))
    box.srid = 4326
    return box


def test_search_uses_the_dictionary_and_full_text_indexes():
    # On 212 rows the planner rightly prefers other plans: forbid the scans that do not
    # use an index condition, to check that the expressions match the indexes.
    qs = Business.objects.published().matching("boulagerie blachere")
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        # The name's full-text index, or the published listings' (commune, name) GIN
        # index (api 0010), which serves a condition on the name alone as well.
        assert "business_name_tsv" in plan or "business_published_commune_name" in plan, plan
        # The correction reads the dictionary through its trigram index (the function
        # turns sequential scans off for itself, whatever the dictionary's size).
        cursor.execute(
            "EXPLAIN SELECT word FROM businesses_name_word WHERE word %%> %s", ["blachere"]
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "businesses_name_word_trgm" in plan
        cursor.execute("SELECT proconfig FROM pg_proc WHERE proname = 'business_name_tsquery'")
        assert cursor.fetchone()[0] == ["enable_seqscan=off"]


def test_the_ranking_bound_pages_the_listings_but_clusters_count_every_match(client, monkeypatch):
    everyone = published_ids(name="Boulangerie Marie Blachère")
    monkeypatch.setattr(queries, "RANKED_AT_MOST", 7)
    body = client.get(URL, {"q": "blachere", "page_size": 5}).json()
    assert len(body["features"]) == 5 and body["next"]
    second = client.get(URL, {"q": "blachere", "page_size": 5, "page": 2}).json()
    assert len(second["features"]) == 2 and not second["next"]  # 7 ranked, 5 + 2
    assert {f["id"] for f in body["features"] + second["features"]} <= everyone
    # More match than were ranked: the count is those ranked, a minimum, said not exact.
    assert len(everyone) > 7
    assert (body["count"], body["count_exact"]) == (7, False)
    clustered = client.get("/api/v1/clusters/", {"q": "blachere", "zoom": 8}).json()
    assert sum(f["properties"]["count"] for f in clustered["features"]) == len(everyone)


def test_refresh_name_words_command_keeps_exactly_the_current_words(db):
    from io import StringIO

    from django.core.management import call_command

    listing = make_listing("Cordonnerie Wombat", *VIEUX_PORT, category="cordonnerie")
    listing.name = "Cordonnerie Koala"
    listing.save()
    assert dictionary("wombat") == dictionary("koala") == 1
    out = StringIO()
    call_command("refresh_name_words", stdout=out)
    assert dictionary("wombat") == 0 and dictionary("koala") == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM businesses_name_word")
        assert out.getvalue().startswith(f"{cursor.fetchone()[0]} distinct words")


@pytest.mark.parametrize("word", ["Blachère", "Stokomani", "Boulangerie"])
def test_any_one_letter_missing_from_a_long_word_is_forgiven(client, word):
    expected = {n for n in Business.objects.published().values_list("name", flat=True) if word in n}
    for i in range(len(word)):
        typo = word[:i] + word[i + 1 :]
        found = [
            f["properties"]["name"]
            for f in features(client.get(URL, {"q": typo, "page_size": 200}))
        ]
        if word == "Boulangerie":  # the trade: the names having the word first
            assert set(found[: found.count(*expected)]) == expected, typo
            found = found[: found.count(*expected)]
        assert set(found) == expected, typo


def test_a_search_finding_nothing_is_an_empty_answer_everywhere(client):
    for path in (URL, "/api/v1/communes/13055/businesses/"):
        body = client.get(path, {"q": "zygomatique"}).json()
        assert body["features"] == [] and body["count"] == 0
    clustered = client.get("/api/v1/clusters/", {"q": "zygomatique", "zoom": 8})
    assert clustered.status_code == 200 and clustered.json()["features"] == []


def test_every_connection_starts_with_the_session_settings(django_db_blocker):
    """Set by the backend at connection start (postgis/base.py), not by a query of the
    application: a connection that has run nothing else has them."""
    from django.db import connections

    connection = connections.create_connection("default")
    try:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("SHOW pg_trgm.word_similarity_threshold")
            assert cursor.fetchone()[0] == "0.5"
            cursor.execute("SHOW max_parallel_workers_per_gather")
            assert cursor.fetchone()[0] == "0"
    finally:
        connection.close()


def test_within_the_ranking_bound_the_names_as_typed_come_first(client, monkeypatch):
    """The bound holds the first matches the index finds: the names having the word as
    typed are read before its corrections' (« zorbaline » for « zorbalin »), whatever
    their order in the table."""
    corrections = [make_listing("Cordonnerie Zorbaline", *VIEUX_PORT) for _ in range(3)]
    typed = make_listing("Cordonnerie Zorbalin", *VIEUX_PORT)
    assert "zorbaline" in name_tsquery("zorbalin")  # a correction of the typed word
    monkeypatch.setattr(queries, "RANKED_AT_MOST", 2)
    found = ids(client.get(URL, {"q": "zorbalin", "page_size": 5}))
    assert found[0] == typed.id
    assert set(found[1:]) <= {c.id for c in corrections}
    # A slip (no name has it as typed): its corrections, as before.
    assert set(ids(client.get(URL, {"q": "zorbalim", "page_size": 5}))) <= {
        c.id for c in [*corrections, typed]
    }


def test_the_search_s_length_is_counted_as_searched(client):
    """Whitespace is folded before the length is checked: « 0\\r » searches one character
    (found by tests/hardening/test_properties.py), a clear French error."""
    for q in ["0\r", " a ", "\tz\n"]:
        response = client.get(URL, {"q": q})
        assert response.status_code == 400, q
        assert response.json()["errors"]["q"] == (
            "la recherche doit compter entre 2 et 100 caractères"
        )
    assert client.get(URL, {"q": " ab "}).status_code == 200
