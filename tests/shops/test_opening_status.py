"""« Ouvert · jusqu'à 19 h » / « Fermé · ouvre demain à 8 h » from the computed hours
(businesses/hours_text.py ``opening_status_fr``), in Europe/Paris, at chosen instants."""

import datetime as dt

import pytest

from geo_directory.businesses import hours
from geo_directory.businesses.hours_text import opening_status_fr

PARIS = hours.PARIS
BAKERY = "Mo-Fr 08:00-12:30,14:00-19:00; Sa 08:00-13:00"


def status(expression: str, when: dt.datetime, today: dt.date | None = None) -> str:
    computed = hours.compute(expression, today=today or when.date())
    return opening_status_fr(computed.week, computed.windows, computed.windows_until, when)


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        # Wednesday 10 June 2026 (no holiday nearby).
        (paris(2026, 6, 10, 10, 0), "Ouvert · jusqu'à 12 h 30"),
        (paris(2026, 6, 10, 13, 0), "Fermé · ouvre à 14 h"),
        (paris(2026, 6, 10, 18, 59), "Ouvert · jusqu'à 19 h"),
        (paris(2026, 6, 10, 19, 0), "Fermé · ouvre demain à 8 h"),
        (paris(2026, 6, 10, 6, 30), "Fermé · ouvre à 8 h"),
        # Saturday afternoon: next opening on Monday.
        (paris(2026, 6, 13, 15, 0), "Fermé · ouvre lundi à 8 h"),
        (paris(2026, 6, 14, 12, 0), "Fermé · ouvre demain à 8 h"),
    ],
)
def test_regular_week(when, expected):
    assert status(BAKERY, when) == expected


def test_christmas_exception_comes_from_the_exact_windows():
    # Closed on 24 December (a Thursday in 2026): the regular week says open.
    expression = "Mo-Sa 09:00-19:00; Dec 24 off"
    computed = hours.compute(expression, today=dt.date(2026, 12, 20))
    assert computed.windows, "an exception: exact windows are stored"
    at = paris(2026, 12, 23, 20, 0)
    text = opening_status_fr(computed.week, computed.windows, computed.windows_until, at)
    assert text == "Fermé · ouvre vendredi à 9 h"
    at = paris(2026, 12, 24, 10, 0)
    text = opening_status_fr(computed.week, computed.windows, computed.windows_until, at)
    assert text == "Fermé · ouvre demain à 9 h"


def test_past_midnight_and_round_the_clock():
    assert status("Fr-Sa 18:00-02:00", paris(2026, 6, 12, 23, 0)) == "Ouvert · jusqu'à demain 2 h"
    assert status("Mo-Su 10:00-24:00", paris(2026, 6, 12, 23, 0)) == "Ouvert · jusqu'à minuit"
    assert status("24/7", paris(2026, 6, 12, 23, 0)) == "Ouvert 24 h/24"


def test_far_opening_reads_as_a_date_and_utc_instants_are_paris_time():
    # Only open on 2 January: seen on 28 December, past the week's horizon of names.
    expression = "Jan 02 09:00-12:00"
    when = paris(2026, 12, 26, 10, 0)
    assert status(expression, when) == "Fermé · ouvre le 2 janvier à 9 h"
    # 17:30 UTC in June is 19:30 in Paris: the bakery is closed.
    utc = dt.datetime(2026, 6, 10, 17, 30, tzinfo=dt.UTC)
    assert status(BAKERY, utc) == "Fermé · ouvre demain à 8 h"


def test_after_a_dst_change_the_local_clock_is_kept():
    # Sunday 25 October 2026: clocks go back. Monday opens at 8 h local time.
    assert status(BAKERY, paris(2026, 10, 25, 12, 0)) == "Fermé · ouvre demain à 8 h"


def test_no_hours_claims_nothing_and_closed_for_good_says_closed():
    assert opening_status_fr(None, None, None, paris(2026, 6, 10, 10, 0)) == ""
    assert status("off", paris(2026, 6, 10, 10, 0)) == ""


@pytest.mark.django_db
def test_the_stored_multiranges_read_like_the_computed_ones():
    """The page and the API read psycopg Multiranges back from PostgreSQL: same answers."""
    from tests.factories import make_listing

    shop = make_listing(opening_hours="Mo-Sa 09:00-12:00,14:00-19:00; Dec 24 off; Jan 01 off")
    shop.refresh_from_db()
    computed = hours.compute(shop.opening_hours)
    start = dt.datetime.now(PARIS).replace(minute=7, second=0, microsecond=0)
    for step in range(0, 24 * 21, 5):  # every 5 hours over three weeks
        when = start + dt.timedelta(hours=step)
        stored = opening_status_fr(
            shop.hours_week, shop.hours_windows, shop.hours_windows_until, when
        )
        assert stored == opening_status_fr(
            computed.week, computed.windows, computed.windows_until, when
        )
        assert stored.startswith("Ouvert") == hours.is_open(shop.opening_hours, when), when
