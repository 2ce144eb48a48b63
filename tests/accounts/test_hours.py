"""Hours editor round trip, French descriptions, evaluation across midnight and on 24 Dec."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point

from geo_directory.accounts.hours_editor import HoursState, build, parse, parse_closures
from geo_directory.businesses import hours
from geo_directory.businesses.hours_text import describe_fr
from geo_directory.businesses.models import Business, Category

PARIS = ZoneInfo("Europe/Paris")
SPLIT = [("08:00", "12:30"), ("14:00", "19:00")]


def test_editor_builds_the_osm_string_with_christmas_closures():
    state = HoursState(
        days={0: SPLIT, 1: SPLIT, 2: SPLIT, 3: SPLIT, 4: SPLIT, 5: [("08:00", "13:00")]},
        closures=parse_closures("24/12, 31/12"),
    )
    expression = build(state)
    assert expression == "Mo-Fr 08:00-12:30,14:00-19:00; Sa 08:00-13:00; Dec 24,Dec 31 off"
    assert hours.validate(expression) == expression
    assert parse(expression) == state.normalised()


@pytest.mark.parametrize(
    "expression",
    [
        "Mo-Sa 09:30-19:00; Su 14:00-18:30",
        "Mo,We 09:00-12:00; Fr 09:00-12:00,14:00-18:00",
        "Fr,Sa 18:00-02:00",
        "Tu-Su 07:00-13:00,15:30-19:30; Jan 1,May 1,Dec 25 off",
    ],
)
def test_round_trip(expression):
    state = parse(expression)
    assert state is not None
    assert build(state) == expression


def test_real_data_variants_parse_into_the_editor():
    state = parse("Mo, Tu, We, Th, Fr, Sa 09:00-21:00; Su 09:00-20:00")
    assert build(state) == "Mo-Sa 09:00-21:00; Su 09:00-20:00"
    assert build(parse("06:00-22:00")) == "Mo-Su 06:00-22:00"
    assert parse("Mo-Fr 08:00-12:00; PH off") is None  # beyond the editor: raw field
    assert parse("24/7") is None


def test_closures_alone_are_refused():
    with pytest.raises(ValueError, match="au moins une plage"):
        build(HoursState(closures=[(12, 24)]))


@pytest.mark.parametrize(
    ("expression", "french"),
    [
        (
            "Mo-Fr 08:00-12:30,14:00-19:00; Sa 08:00-13:00; Dec 24,Dec 31 off",
            "Du lundi au vendredi : 8 h – 12 h 30, 14 h – 19 h ; samedi : 8 h – 13 h ; "
            "fermé les 24 et 31 décembre",
        ),
        (
            "Mo-Sa 09:30-19:00; Su 14:00-18:30",
            "Du lundi au samedi : 9 h 30 – 19 h ; dimanche : 14 h – 18 h 30",
        ),
        ("06:00-22:00", "Tous les jours : 6 h – 22 h"),
        ("Mo, Tu, We 10:00-21:00", "Du lundi au mercredi : 10 h – 21 h"),
        ("24/7", "Ouvert 24 h/24, 7 j/7"),
        ("Mo-Sa 09:00-19:00; PH off", "Du lundi au samedi : 9 h – 19 h ; fermé les jours fériés"),
        ("Mo,We 09:00-12:00", "Lundi et mercredi : 9 h – 12 h"),
        ("Fr-Sa 18:00-02:00", "Vendredi et samedi : 18 h – 2 h"),
        ("Dec 25 off", "Fermé le 25 décembre"),
        ("Jan 1 off", "Fermé le 1er janvier"),
        (
            "Mo 06:30-19:30; Tu 06:30-19:30; We 06:30-19:30; Th 06:30-19:30; Fr 06:30-19:30; "
            "Sa 06:30-19:30; Su 07:00-13:00",
            "Du lundi au samedi : 6 h 30 – 19 h 30 ; dimanche : 7 h – 13 h",
        ),
        ('Mo-Fr 08:00-12:00 || "sur rendez-vous"', 'Mo-Fr 08:00-12:00 || "sur rendez-vous"'),
        ("sunrise-sunset", "sunrise-sunset"),
        ("", ""),
    ],
)
def test_describe_fr(expression, french):
    assert describe_fr(expression) == french


def test_describe_fr_covers_every_real_expression(data_dir):
    seen = set()
    for path in sorted((data_dir / "osm-chains").glob("*.geojson")):
        for feature in json.loads(path.read_text())["features"]:
            value = feature["properties"].get("opening_hours")
            if value:
                seen.add(value)
    described = [e for e in seen if describe_fr(e) != e]
    assert len(seen) > 100
    assert len(described) / len(seen) > 0.95
    for expression in described:
        text = describe_fr(expression)
        assert ":" not in text.replace(" : ", "")  # no raw HH:MM left
        assert text[0].isupper()


def at(*args):
    return dt.datetime(*args, tzinfo=PARIS)


def test_is_open_across_midnight():
    expression = "Fr,Sa 18:00-02:00"
    assert hours.is_open(expression, at(2026, 12, 4, 23, 30))  # Friday night
    assert hours.is_open(expression, at(2026, 12, 5, 1, 30))  # Saturday 01:30, Friday's shift
    assert not hours.is_open(expression, at(2026, 12, 5, 2, 30))
    assert hours.is_open(expression, at(2026, 12, 6, 1, 0))  # Sunday 01:00, Saturday's shift
    assert not hours.is_open(expression, at(2026, 12, 7, 1, 0))  # Monday 01:00


def test_is_open_on_24_december():
    expression = "Mo-Sa 08:00-19:00; Dec 24 08:00-16:00; Dec 25 off"
    assert hours.is_open(expression, at(2026, 12, 23, 18, 0))  # Wednesday
    assert hours.is_open(expression, at(2026, 12, 24, 15, 0))  # Thursday 24th
    assert not hours.is_open(expression, at(2026, 12, 24, 17, 0))
    assert not hours.is_open(expression, at(2026, 12, 25, 10, 0))
    editor = "Mo-Fr 08:00-12:30,14:00-19:00; Sa 08:00-13:00; Dec 24,Dec 31 off"
    assert hours.is_open(editor, at(2026, 12, 23, 10, 0))
    assert not hours.is_open(editor, at(2026, 12, 24, 10, 0))
    assert not hours.is_open(editor, at(2026, 12, 31, 10, 0))


@pytest.mark.django_db
def test_open_at_in_sql_across_midnight_and_on_christmas_eve(monkeypatch):
    category = Category.objects.first()
    late = Business.objects.create(
        name="Bar de nuit",
        category=category,
        opening_hours="Fr,Sa 18:00-02:00",
        location=Point(5.3776, 43.2966, srid=4326),
        status="published",
    )
    # The exact windows are computed for the four weeks from "today": make it December.
    real_compute = hours.compute
    monkeypatch.setattr(
        hours, "compute", lambda e, today=None: real_compute(e, today or dt.date(2026, 12, 14))
    )
    bakery = Business.objects.create(
        name="Boulangerie de Noël",
        category=category,
        opening_hours="Mo-Fr 08:00-12:30,14:00-19:00; Sa 08:00-13:00; Dec 24,Dec 31 off",
        location=Point(5.3786, 43.2970, srid=4326),
        status="published",
    )
    ids = [late.pk, bakery.pk]

    def open_ids(when):
        return set(Business.objects.filter(pk__in=ids).open_at(when).values_list("pk", flat=True))

    assert open_ids(at(2026, 12, 5, 1, 30)) == {late.pk}  # Saturday 01:30
    assert open_ids(at(2026, 12, 23, 10, 0)) == {bakery.pk}
    assert open_ids(at(2026, 12, 24, 10, 0)) == set()  # closed on Christmas Eve
    assert open_ids(at(2026, 12, 26, 23, 0)) == {late.pk}  # Saturday 26th, 23:00


def test_merchants_can_type_french_times():
    from geo_directory.accounts.hours_editor import parse_ranges

    assert parse_ranges("8h-12h30, 14h à 19h") == [("08:00", "12:30"), ("14:00", "19:00")]
    assert parse_ranges("8:00 – 12:00") == [("08:00", "12:00")]
    with pytest.raises(ValueError, match="Plage horaire invalide"):
        parse_ranges("matin")
    with pytest.raises(ValueError, match="Heure invalide"):
        parse_ranges("25:00-26:00")
