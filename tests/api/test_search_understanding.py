"""A search that understands: trades, a commune and shop names in one query (issue #17).

On the real chain listings of tests/conftest.py (Paul and Marie Blachère are bakeries,
GiFi, Action, B&M and Stokomani are « bazar »). Each query of the issue found nothing, or
the names only, before.
"""

import re

import pytest
from django.db import connection

from geo_directory.api import query_words
from geo_directory.api.query_words import fold, understand, within_one_slip
from geo_directory.api.trade_synonyms import SHARED, SYNONYMS
from geo_directory.businesses.models import Business, Category
from geo_directory.businesses.search import name_tsquery, one_slip_away, slips
from tests.factories import make_listing

from .conftest import features

pytestmark = pytest.mark.django_db
URL = "/api/v1/businesses/"
# Around Marseille's centre: Paul and Marie Blachère bakeries, GiFi, Action, B&M.
MARSEILLE_BOX = "5.2,43.2,5.6,43.4"


def published(**filters) -> set[int]:
    return set(Business.objects.published().filter(**filters).values_list("id", flat=True))


def search(client, **params) -> list[dict]:
    return features(client.get(URL, {"page_size": 200, **params}))


# --- reading the query ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text, categories, commune, names",
    [
        ("boulangerie Paul", ("boulangerie",), None, "Paul"),
        ("boulagerie", ("boulangerie",), None, ""),  # a letter missing
        ("Boulangerei", ("boulangerie",), None, ""),  # two letters swapped
        ("pâtisseries", ("boulangerie",), None, ""),  # plural, accent
        ("boulangerie Paul marseille", ("boulangerie",), "13055", "Paul"),
        ("Paul à Aix", (), "13001", "Paul"),  # a first word after « à », « à » dropped
        ("fleuriste aix-en-provence", ("fleuriste",), "13001", ""),
        ("resto nice", ("restaurant",), "06088", ""),
        ("salon de thé", ("cafe-bar",), None, ""),  # a phrase wins over its words
        ("salon de coiffure à Salon", ("coiffure",), "13103", ""),
        ("st rémy de provence boucher", ("boucherie",), "13100", ""),
        ("marseile", (), "13055", ""),  # one slip in a long commune name
        ("fruits et légumes toulon", ("primeur",), "83137", ""),
        ("B&M", (), None, "B&M"),
        ("Pual", (), None, "Pual"),
        ("aix", (), None, "aix"),  # a first word alone is not the commune
        ("bain", (), None, "bain"),  # short trade words must be exact: not « pain »
    ],
)
def test_a_query_is_read_as_trades_a_commune_and_name_words(text, categories, commune, names):
    understood = understand(text)
    assert understood.categories == categories
    assert understood.commune == commune
    assert understood.name_text == names


def test_every_category_has_its_words_and_no_word_means_two_trades():
    assert set(SYNONYMS) == set(Category.objects.values_list("slug", flat=True))
    assert len(SYNONYMS) == 34
    seen: dict[str, str] = {}
    for slug, phrases in SYNONYMS.items():
        assert phrases, slug
        for phrase in phrases:
            assert phrase == fold(phrase), phrase  # stored as the query is normalised
            key = " ".join(query_words.singular(w) for w in query_words.words_of(phrase))
            assert seen.setdefault(key, slug) == slug or key in SHARED, (key, slug)
    # Each label is understood as its own category (or its parent's words).
    for category in Category.objects.all():
        assert category.slug in understand(category.label).categories, category.label


def test_one_slip():
    for a, b in [("paul", "pual"), ("paul", "paull"), ("paul", "pal"), ("paul", "pail")]:
        assert within_one_slip(a, b) and within_one_slip(b, a)
        assert b in one_slip_away(a)
    for a, b in [("paul", "pula"), ("abcd", "bcdx"), ("paul", "plua"), ("nice", "vicez")]:
        assert not within_one_slip(a, b)
        assert b not in one_slip_away(a)
    strings, of = slips(["blachere", "pual", "gifi"])  # 4-5 letters only
    assert set(of) == {2, 3} and "paul" in strings and "gifi" not in strings


# --- the queries, on the real listings -----------------------------------------


def test_boulangerie_paul_finds_the_paul_bakeries_first_then_the_other_bakeries(client):
    found = search(client, q="boulangerie Paul")
    bakeries = published(category__slug="boulangerie")
    pauls = published(name="Paul")
    assert pauls and pauls <= bakeries
    assert {f["id"] for f in found} == bakeries | pauls
    names = [f["properties"]["name"] for f in found]
    assert names[: len(pauls)] == ["Paul"] * len(pauls)  # the name first
    assert set(names[len(pauls) :]) == {"Boulangerie Marie Blachère"}


def test_the_trades_other_listings_are_paged_by_id_past_the_ranked_names(client, monkeypatch):
    """The names are ranked (at most RANKED_AT_MOST), the trade's other listings follow by
    id page by page (only the page's share is read) and are counted with the capped count,
    not cut at the ranking bound: here 49 Paul ranked, the 102 Marie Blachère after them."""
    from geo_directory.api import params, queries

    pauls = published(name="Paul")
    bakeries = published(category__slug="boulangerie") | pauls
    monkeypatch.setattr(queries, "RANKED_AT_MOST", len(pauls) + 5)
    seen, page = [], 1
    while True:
        body = client.get(URL, {"q": "boulangerie Paul", "page_size": 20, "page": page}).json()
        assert (body["count"], body["count_exact"]) == (len(bakeries), True)
        seen += body["features"]
        if not body["next"]:
            break
        page += 1
    assert {f["id"] for f in seen[: len(pauls)]} == pauls
    rest = [f["id"] for f in seen[len(pauls) :]]
    assert rest == sorted(bakeries - pauls)  # each once, by id
    # Past the cap: the names plus the planner's estimate of the others, above the cap.
    query = queries.Query(now=None)
    params.NameSearch().apply({"q": "boulangerie Paul"}, query)
    count, exact = query.count(len(pauls) + 3)
    assert not exact and count > len(pauls) + 3


def test_boulagerie_finds_every_bakery_in_view_not_only_those_named_so(client):
    in_view = published(category__slug="boulangerie") & {
        f["id"] for f in search(client, in_bbox=MARSEILLE_BOX)
    }
    found = search(client, q="boulagerie", in_bbox=MARSEILLE_BOX, point="5.37,43.30")
    assert {f["id"] for f in found} == in_view
    assert {f["properties"]["name"] for f in found} == {"Paul", "Boulangerie Marie Blachère"}
    # Named « boulangerie » first, each tier nearest first.
    tiers = [f["properties"]["name"] != "Boulangerie Marie Blachère" for f in found]
    assert tiers == sorted(tiers)
    for tier in (False, True):
        distances = [
            f["properties"]["distance_m"] for f, t in zip(found, tiers, strict=True) if t == tier
        ]
        assert distances == sorted(distances)


def test_a_trade_alone_lists_each_tier_by_id(client):
    """« boulagerie » without a point: the bakeries named with the trade's word (or one of
    its corrections), then the other bakeries, then the other names having it, each tier
    by id, not by relevance (which read and scored 1,001 rows from two bitmaps built
    whole at 1M listings; it only preferred one correction to another): « Les
    Boulangeries Réunies » before « Boulangerie Bernard », created after it."""
    first = make_listing("Les Boulangeries Réunies")
    second = make_listing("Boulangerie Bernard")
    other_first = make_listing("Boulangeries du Bazar", category="bazar")
    other_second = make_listing("Boulangerie Solderie", category="bazar")
    assert "'boulangeries'" in name_tsquery("boulagerie")  # less like it than boulangerie
    body = client.get(URL, {"q": "boulagerie", "page_size": 200}).json()
    found = [f["id"] for f in body["features"]]
    bakeries = published(category__slug="boulangerie")
    named = published(pk__in=Business.objects.matching("boulagerie").values("pk"))
    tiers = [bakeries & named, bakeries - named, named - bakeries]
    assert {first.id, second.id} <= tiers[0] and {other_first.id, other_second.id} <= tiers[2]
    assert found == [pk for tier in tiers for pk in sorted(tier)]
    assert (body["count"], body["count_exact"]) == (len(found), True)


@pytest.mark.parametrize("window", [1, 4, 100])
def test_a_trade_alone_near_a_point_pages_the_same_through_any_window(client, monkeypatch, window):
    """« boulagerie » near a point: the named bakeries (tier 0) are looked for among the
    nearest bakeries (queries.TIER_WINDOW per row needed); a window too small (1: the
    nearest are Paul's, not named so) falls back to tier 0's own statement. Page by page,
    the same listings in the same order as one page, whatever the window."""
    from django.test.utils import CaptureQueriesContext

    from geo_directory.api import queries

    monkeypatch.setattr(queries, "TIER_WINDOW", window)
    params = {"q": "boulagerie", "in_bbox": MARSEILLE_BOX, "point": "5.37,43.30"}
    whole = [f["id"] for f in search(client, **params)]
    paged, page = [], 1
    with CaptureQueriesContext(connection) as queried:
        while True:
            body = client.get(URL, {**params, "page_size": 4, "page": page}).json()
            paged += [f["id"] for f in body["features"]]
            if not body["next"]:
                break
            page += 1
    assert paged == whole and len(whole) > 8
    statements = [q["sql"] for q in queried.captured_queries]
    windows = [sql for sql in statements if sql.startswith("WITH w AS MATERIALIZED")]
    assert windows  # tier 0 looked for in the window
    # Tier 0's own statement only when a window is full and holds too few.
    tier_0 = re.compile(r"^SELECT b\.id .*\(b\.category_id = \d+ AND to_tsvector")
    assert any(tier_0.match(sql) for sql in statements) == (window == 1)


@pytest.mark.parametrize("typo", ["Pual", "Pail", "aPul", "Paull"])
def test_a_slip_in_a_short_name_is_forgiven(client, typo):
    found = search(client, q=typo)
    assert {f["properties"]["name"] for f in found} == {"Paul"}
    assert {f["id"] for f in found} == published(name="Paul")


def test_a_word_a_name_has_is_taken_as_typed(client):
    # « gifi » is a real word: its slips (« gift »...) are not added.
    assert name_tsquery("gifi") == "'gifi'"
    assert {f["properties"]["name"] for f in search(client, q="gifi")} == {"GiFi"}


def test_boulangerie_paul_marseille(client):
    found = search(client, q="boulangerie Paul marseille")
    assert {f["properties"]["commune"] for f in found} == {"13055"}
    in_marseille = published(commune_id="13055")
    expected = in_marseille & (published(category__slug="boulangerie") | published(name="Paul"))
    assert {f["id"] for f in found} == expected
    pauls = in_marseille & published(name="Paul")
    assert [f["properties"]["name"] for f in found[: len(pauls)]] == ["Paul"] * len(pauls)
    assert len(found) > len(pauls)  # then Marseille's other bakeries


@pytest.mark.parametrize(
    "q, name, commune",
    [("Paul à Aix", "Paul", "13001"), ("gifi marseille", "GiFi", "13055")],
)
def test_a_commune_in_the_query_restricts_to_it(client, q, name, commune):
    found = search(client, q=q)
    assert {f["id"] for f in found} == published(name=name, commune_id=commune)
    assert found


def test_a_reading_that_finds_nothing_falls_back_to_the_name_search(client):
    # « Marie » is a commune of the Alpes-Maritimes without any Marie Blachère: the name
    # reading (no commune) finds them, not this reading's search in Marie.
    assert understand("Marie Blachère").commune == "06080"
    found = search(client, q="Marie Blachère")
    assert {f["id"] for f in found} == published(name="Boulangerie Marie Blachère")
    # No restaurant in the data: « resto » is searched in the names (none).
    assert understand("resto").categories == ("restaurant",)
    assert search(client, q="resto") == []


# --- a commune's name that is also a shop's name ----------------------------------------

ORANGE = "84087"  # the commune of Vaucluse, and the telephone shops' name


@pytest.mark.parametrize(
    "text, commune, reading",
    [
        # A commune beside a name word: the reading with the commune as name words too.
        ("marie blachère", "06080", ((), None, "marie blachère")),
        ("boulangerie marie blachère", "06080", (("boulangerie",), None, "marie blachère")),
        ("marie blachère marseille", "06080", ((), "13055", "marie blachère")),
        ("orange marseille", ORANGE, ((), "13055", "orange")),
        ("gifi marseille", "13055", ((), None, "gifi marseille")),
        # Sure communes: after a preposition, alone, beside no name word.
        ("boulangerie à Orange", ORANGE, None),
        ("Paul à Aix", "13001", None),
        ("orange", ORANGE, None),
        ("boulangerie orange", ORANGE, None),
        ("marseille", "13055", None),
    ],
)
def test_a_commune_beside_name_words_may_be_a_name(text, commune, reading):
    understood = understand(text)
    assert understood.commune == commune
    other = understood.name_reading
    assert (other and (other.categories, other.commune, other.name_text)) == reading


def test_the_words_together_in_a_name_are_a_name_not_a_commune(client):
    """« Marie » and « Orange » are communes; « marie blachère marseille » asks for the
    Marie Blachère shops of Marseille, « orange marseille » for the Orange shop of
    Marseille (each found nothing before: the first commune was taken, the second
    searched as a name word)."""
    found = search(client, q="marie blachère marseille")
    expected = published(name="Boulangerie Marie Blachère", commune_id="13055")
    assert expected and {f["id"] for f in found} == expected
    shop = make_listing("Orange", lon=5.3790, lat=43.2970, category="bazar")
    assert shop.commune_id == "13055"
    assert [f["id"] for f in search(client, q="Orange Marseille")] == [shop.id]
    # « boulangerie marie blachère »: the bakery trade, the name first.
    found = search(client, q="boulangerie marie blachère")
    blacheres = published(name="Boulangerie Marie Blachère")
    assert {f["id"] for f in found[: len(blacheres)]} == blacheres
    assert {f["id"] for f in found} == published(category__slug="boulangerie") | blacheres


def test_a_commune_after_a_preposition_stays_the_commune(client):
    """« boulangerie à Orange »: Orange's bakeries, not the bakery named « Orange »
    elsewhere; « orange » alone is the commune's listings."""
    in_orange = make_listing("Boulangerie des Princes", lon=4.8090, lat=44.1380)
    named = make_listing("Boulangerie d'Orange", lon=5.3790, lat=43.2970)
    assert in_orange.commune_id == ORANGE and named.commune_id == "13055"
    assert {f["id"] for f in search(client, q="boulangerie à Orange")} == published(
        commune_id=ORANGE, category__slug="boulangerie"
    )
    assert {f["id"] for f in search(client, q="orange")} == published(commune_id=ORANGE)


def test_a_commune_alone_lists_its_listings(client):
    found = search(client, q="marseille")
    assert {f["id"] for f in found} == published(commune_id="13055")


def test_the_slips_are_looked_up_in_the_dictionary_index():
    """The one-slip strings are probed in the dictionary's hash index: the plan of the
    function's statement, with the function's own setting (sequential scans off)."""
    strings, of = slips(["pual"])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proconfig FROM pg_proc WHERE proname = 'search_name_tsquery'",
        )
        assert cursor.fetchone()[0] == ["enable_seqscan=off"]
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT s.i, d.word FROM unnest(%s::text[], %s::int[]) AS s(w, i)"
            " JOIN businesses_name_word d ON d.word = s.w",
            [strings, of],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "businesses_name_word_word" in plan, plan
    assert "Seq Scan on businesses_name_word" not in plan


def test_the_search_conditions_are_index_served(client):
    """« boulangerie Paul marseille »: the name (GIN full-text), the trade (status,
    category) and the commune (status, commune) conditions each have an index."""
    from geo_directory.api import params, queries

    query = queries.Query(now=None)
    params.NameSearch().apply({"q": "boulangerie Paul marseille"}, query)
    statements = [(query._where(), query._params())]  # the count's, the clusters'
    statements += [(where, [*p, []]) for where, p in query._tier_wheres()]  # each tier's
    assert len(statements) == 4
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for where, values in statements:
            cursor.execute(f"EXPLAIN SELECT b.id FROM businesses_business b WHERE {where}", values)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Seq Scan" not in plan, plan
            assert "Index" in plan, plan


# --- suggestions -------------------------------------------------------------------------

SUGGEST = "/api/v1/suggest/"


def suggest(client, q):
    response = client.get(SUGGEST, {"q": q})
    assert response.status_code == 200, response.content[:300]
    return response.json()["results"]


def test_suggestions_of_the_three_kinds(client):
    found = suggest(client, "boulangerie paul marseille")
    assert found[0] == {"kind": "trade", "label": "Boulangerie-pâtisserie", "slug": "boulangerie"}
    assert found[1] == {"kind": "commune", "label": "Marseille", "code": "13055"}
    shops = [s for s in found if s["kind"] == "shop"]
    paul = Business.objects.published().filter(name="Paul", commune_id="13055").order_by("id")[0]
    assert shops == [
        {
            "kind": "shop",
            "label": "Paul",
            "id": paul.id,
            "commune": "Marseille",
            "url": f"/commerces/{paul.id}-paul/",
        }
    ]


def test_words_together_in_a_name_suggest_the_shops_not_the_commune(client):
    """« marie blachère »: the Marie Blachère shops, as the search reads it (the name
    reading), not the commune Marie (06080, none of them there) nor its shops."""
    found = suggest(client, "marie blachère")
    assert not [s for s in found if s["kind"] == "commune"]
    shops = [s for s in found if s["kind"] == "shop"]
    assert shops and {s["label"] for s in shops} == {"Boulangerie Marie Blachère"}
    blacheres = published(name="Boulangerie Marie Blachère")
    assert {s["id"] for s in shops} <= blacheres
    # A commune the words are not a name with stays the commune.
    assert suggest(client, "boulangerie marseille")[1]["label"] == "Marseille"


def test_a_typo_suggests_the_trade_first(client):
    found = suggest(client, "boulagerie")
    assert found[0]["kind"] == "trade" and found[0]["slug"] == "boulangerie"
    assert 1 < len(found) <= 8
    shops = [(s["label"], s["commune"]) for s in found if s["kind"] == "shop"]
    assert len(shops) == len(set(shops))  # a chain's shop once per commune


def test_a_word_being_typed_suggests_trades_and_communes(client):
    found = suggest(client, "boul")
    assert {"kind": "trade", "label": "Boulangerie-pâtisserie", "slug": "boulangerie"} in found
    assert suggest(client, "à Aix")[0] == {
        "kind": "commune",
        "label": "Aix-en-Provence",
        "code": "13001",
    }


def test_suggest_errors_are_french(client):
    for params, message in [
        ({}, "paramètre obligatoire"),
        ({"q": "   "}, "paramètre obligatoire"),
        ({"q": "x" * 101}, "au plus 100 caractères"),
        ({"q": "a\x00b"}, "caractère nul"),
    ]:
        response = client.get(SUGGEST, params)
        assert response.status_code == 400
        assert message in response.json()["errors"]["q"]


@pytest.mark.parametrize(
    "q", ["1e300", "nan", "' OR 1=1 --", "& | ! ( ) :*", "🎄", "a", "à", "st", "-", "x" * 100]
)
def test_any_text_is_a_suggestion_query(client, q):
    response = client.get(SUGGEST, {"q": q})
    assert response.status_code == 200, response.content[:300]
    assert len(response.json()["results"]) <= 8


def test_suggest_is_in_the_schema(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/suggest/"]["get"]
    (q,) = operation["parameters"]
    assert q["name"] == "q" and q["required"] and q["schema"]["maxLength"] == 100
    results = operation["responses"]["200"]["content"]["application/json"]["schema"]
    item = results["properties"]["results"]["items"]
    assert item["properties"]["kind"]["enum"] == ["trade", "commune", "shop"]
