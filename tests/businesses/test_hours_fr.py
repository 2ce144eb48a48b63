"""French hours text -> OSM opening_hours (geo_directory/businesses/hours_fr.py).

The table holds real-world phrasings in the styles of tourist offices (Apidae exports),
chambers of commerce and shop windows, each with the exact OSM value expected or the reason
expected for a refusal. Every value is checked against the project's validator, against its
meaning (is it open at a given time), and back through ``describe_fr`` (OSM -> French).
"""

import datetime as dt
import unicodedata

import opening_hours
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo_directory.businesses import hours
from geo_directory.businesses.hours_fr import MEAL_NOTE, Translation, translate
from geo_directory.businesses.hours_text import describe_fr


class Refused(str):
    """An expected refusal; the string is a part of the French reason."""


QUOTED = [
    ("Toute l'année, tous les jours de 10h à 20h.", "Mo-Su 10:00-20:00"),
    (
        "Du lundi au samedi de 12h à 14h15, de 19h30 à 22h. Fermé le dimanche.",
        "Mo-Sa 12:00-14:15,19:30-22:00; Su off",
    ),
    # Only closures: "Jan 01,Dec 25 off" alone would read as "always closed".
    (
        "Fermetures exceptionnelles les 1er janvier et 25 décembre",
        Refused("seulement des fermetures"),
    ),
]

TABLE = QUOTED + [
    # Days and day ranges
    ("Du lundi au vendredi de 9h à 12h et de 14h à 18h.", "Mo-Fr 09:00-12:00,14:00-18:00"),
    ("Lundi, mardi et jeudi de 10h à 18h", "Mo,Tu,Th 10:00-18:00"),
    ("Ouvert les lundis, mercredis et vendredis de 8h à 13h", "Mo,We,Fr 08:00-13:00"),
    ("Ouvert 7j/7 de 8h à 20h", "Mo-Su 08:00-20:00"),
    ("7/7 de 7h à 21h", "Mo-Su 07:00-21:00"),
    ("Ouvert 7 jours sur 7, de 10h à 22h", "Mo-Su 10:00-22:00"),
    ("Tlj 10h-19h", "Mo-Su 10:00-19:00"),
    ("Tous les jours sauf le lundi de 10h à 18h", "Tu-Su 10:00-18:00"),
    ("Tous les jours de 10h à 18h sauf le lundi", "Tu-Su 10:00-18:00; Mo off"),
    ("Le week-end de 10h à 19h", "Sa,Su 10:00-19:00"),
    ("En semaine de 8h à 18h, le samedi de 9h à 12h", "Mo-Fr 08:00-18:00; Sa 09:00-12:00"),
    ("Mardi-samedi 10h-19h", "Tu-Sa 10:00-19:00"),
    ("Lun-Sam 9h30-19h30", "Mo-Sa 09:30-19:30"),
    ("Lun-Ven : 9h-18h ; Sam : 9h-12h", "Mo-Fr 09:00-18:00; Sa 09:00-12:00"),
    ("Lun. au ven. 9h00-12h00 14h00-18h00", "Mo-Fr 09:00-12:00,14:00-18:00"),
    ("LUNDI AU VENDREDI 9H-12H 14H-18H", "Mo-Fr 09:00-12:00,14:00-18:00"),
    ("Lundi-vendredi : 8h-19h | samedi : 9h-18h", "Mo-Fr 08:00-19:00; Sa 09:00-18:00"),
    ("Lun 14h-19h / Mar-Sam 9h-19h", "Mo 14:00-19:00; Tu-Sa 09:00-19:00"),
    ("Lundi au samedi : 7h30 - 19h30. Dimanche : 8h - 12h30.", "Mo-Sa 07:30-19:30; Su 08:00-12:30"),
    (
        "Lundi : fermé\nMardi au samedi : 10h-19h\nDimanche : 10h-13h",
        "Tu-Sa 10:00-19:00; Su 10:00-13:00; Mo off",
    ),
    (
        "Le lundi de 14h à 19h et du mardi au samedi de 9h30 à 12h30 et de 14h à 19h",
        "Mo 14:00-19:00; Tu-Sa 09:30-12:30,14:00-19:00",
    ),
    # Times
    ("Du lundi au vendredi : 12:00-14:30", "Mo-Fr 12:00-14:30"),
    ("Du lundi au vendredi 8h-12h / 13h30-17h", "Mo-Fr 08:00-12:00,13:30-17:00"),
    ("Lundi au vendredi 9h-12h & 14h-18h", "Mo-Fr 09:00-12:00,14:00-18:00"),
    ("Du lundi au vendredi de 9h30 à 12h30 - 14h à 18h", "Mo-Fr 09:30-12:30,14:00-18:00"),
    ("Du lundi au vendredi de 9 à 18h", "Mo-Fr 09:00-18:00"),
    ("Tous les jours de 9h à midi", "Mo-Su 09:00-12:00"),
    ("Tous les jours, de 11h à 15h et de 18h à minuit", "Mo-Su 11:00-15:00,18:00-24:00"),
    ("Du lundi au dimanche de 11h30 à 14h30 et de 18h30 à 23h", "Mo-Su 11:30-14:30,18:30-23:00"),
    ("9h-12h / 14h-19h du mardi au samedi", "Tu-Sa 09:00-12:00,14:00-19:00"),
    ("12h-14h30 et 19h-23h, 7j/7", "Mo-Su 12:00-14:30,19:00-23:00"),
    (
        "De 9h à 12h et de 14h à 18h, du lundi au vendredi. Le samedi de 9h à 12h.",
        "Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00",
    ),
    (
        "De 10h à 12h30 et de 15h à 19h30 du mardi au samedi ; de 10h à 12h30 le dimanche",
        "Tu-Sa 10:00-12:30,15:00-19:30; Su 10:00-12:30",
    ),
    ("Horaires d'ouverture : du mardi au samedi, 10h - 19h", "Tu-Sa 10:00-19:00"),
    ("Du mardi au dimanche. De 10h à 18h.", "Tu-Su 10:00-18:00"),
    ("Ouvert non-stop de 10h à 19h du lundi au samedi", "Mo-Sa 10:00-19:00"),
    ("Du lundi au vendredi de 9h à 17h, sans interruption", "Mo-Fr 09:00-17:00"),
    (
        "Ouvert en continu de 9h à 20h du lundi au samedi, le dimanche de 9h à 13h",
        "Mo-Sa 09:00-20:00; Su 09:00-13:00",
    ),
    (
        "Ouvert du lundi au vendredi de 8h30 à 12h et de 13h30 à 17h30, le samedi matin "
        "de 9h à 12h",
        "Mo-Fr 08:30-12:00,13:30-17:30; Sa 09:00-12:00",
    ),
    (
        "Ouvert du lundi au samedi de 9h à 19h et le dimanche matin de 9h à 12h30",
        "Mo-Sa 09:00-19:00; Su 09:00-12:30",
    ),
    ("24h/24, 7j/7", "24/7"),
    ("Ouvert 24 h/24, 7 j/7", "24/7"),
    ("Tous les jours 24h/24", "24/7"),
    ("Du lundi au vendredi 24h/24", "Mo-Fr 00:00-24:00"),
    # After midnight: one rule when the next day has no other hours, else split at midnight
    ("Tous les jours de 19h à 2h", "Mo-Su 19:00-02:00"),
    ("Du jeudi au samedi de 19h à 2h", "Th-Sa 19:00-02:00"),
    (
        "Le vendredi de 19h à 2h, le samedi de 10h à 12h",
        "Fr 19:00-24:00; Sa 00:00-02:00,10:00-12:00",
    ),
    # Restaurants: services, « midi et soir » (documented convention)
    ("Du mardi au dimanche midi et soir", "Tu-Su 12:00-14:00,19:00-22:00"),
    ("Le soir uniquement, du mercredi au dimanche", "We-Su 19:00-22:00"),
    ("Tous les soirs de 19h à 23h", "Mo-Su 19:00-23:00"),
    (
        "Midi : 12h-14h30 / Soir : 19h-22h30, du mardi au samedi",
        "Tu-Sa 12:00-14:30,19:00-22:30",
    ),
    ("Service de 12h à 14h et de 19h à 22h30, du mardi au samedi", "Tu-Sa 12:00-14:00,19:00-22:30"),
    (
        "12h-14h, 19h-22h du mardi au samedi, dimanche midi",
        "Tu-Sa 12:00-14:00,19:00-22:00; Su 12:00-14:00",
    ),
    (
        "Tous les jours de 12h à 14h et de 19h à 22h30 sauf le lundi midi",
        "Mo 19:00-22:30; Tu-Su 12:00-14:00,19:00-22:30",
    ),
    (
        "Du mardi au dimanche midi et soir. Fermé le dimanche soir et le lundi.",
        "Tu-Sa 12:00-14:00,19:00-22:00; Su 12:00-14:00; Mo off",
    ),
    (
        "Du lundi au samedi midi et soir. Fermé le samedi midi et le dimanche.",
        "Mo-Fr 12:00-14:00,19:00-22:00; Sa 19:00-22:00; Su off",
    ),
    (
        "Le midi du mardi au dimanche, le soir du jeudi au samedi",
        "Tu,We,Su 12:00-14:00; Th-Sa 12:00-14:00,19:00-22:00",
    ),
    (
        "Ouvert le midi du lundi au vendredi et le soir du jeudi au samedi",
        "Mo-We 12:00-14:00; Th,Fr 12:00-14:00,19:00-22:00; Sa 19:00-22:00",
    ),
    (
        "du lundi au vendredi de 12h à 14h, le vendredi et samedi soir de 19h à 23h",
        "Mo-Th 12:00-14:00; Fr 12:00-14:00,19:00-23:00; Sa 19:00-23:00",
    ),
    (
        "Du lundi au vendredi, de 11h45 à 14h et de 19h à 22h45. Samedi soir uniquement. "
        "Fermé le dimanche.",
        "Mo-Fr 11:45-14:00,19:00-22:45; Sa 19:00-22:00; Su off",
    ),
    # Closed days, overrides and additions
    (
        "Du mardi au samedi 9h-12h30 et 14h-19h. Fermé dimanche et lundi.",
        "Tu-Sa 09:00-12:30,14:00-19:00; Mo,Su off",
    ),
    (
        "Ouvert du mardi au samedi de 10h à 13h et de 15h à 19h, le dimanche de 10h à 13h. "
        "Fermé le lundi.",
        "Tu-Sa 10:00-13:00,15:00-19:00; Su 10:00-13:00; Mo off",
    ),
    ("Fermé le lundi. Du mardi au dimanche : 9h-19h.", "Tu-Su 09:00-19:00; Mo off"),
    (
        "Du mardi au samedi de 10h à 12h30 et de 14h30 à 19h (fermé le lundi)",
        "Tu-Sa 10:00-12:30,14:30-19:00; Mo off",
    ),
    (
        "Ouvert du mardi au samedi : 10h-12h / 14h-18h. Dimanche et lundi : fermé.",
        "Tu-Sa 10:00-12:00,14:00-18:00; Mo,Su off",
    ),
    ("Tous les jours de 10h à 20h, le dimanche de 10h à 13h", "Mo-Sa 10:00-20:00; Su 10:00-13:00"),
    (
        "Tous les jours de 10h à 20h, le mardi de 10h à 12h et de 14h à 20h",
        "Mo,We-Su 10:00-20:00; Tu 10:00-12:00,14:00-20:00",
    ),
    (
        "Tous les jours de 12h à 14h, également le vendredi et le samedi de 19h à 23h",
        "Mo-Th,Su 12:00-14:00; Fr,Sa 12:00-14:00,19:00-23:00",
    ),
    (
        "Du lundi au vendredi de 9h à 12h et de 14h à 18h, sauf le mercredi après-midi",
        "Mo,Tu,Th,Fr 09:00-12:00,14:00-18:00; We 09:00-12:00",
    ),
    # Public holidays
    ("Du lundi au samedi de 9h à 19h, sauf jours fériés", "Mo-Sa 09:00-19:00; PH off"),
    ("Tous les jours : 10 h – 20 h ; fermé les jours fériés", "Mo-Su 10:00-20:00; PH off"),
    (
        "Du lundi au vendredi de 8h à 18h30, samedi de 8h à 12h, fermé dimanche et jours fériés",
        "Mo-Fr 08:00-18:30; Sa 08:00-12:00; Su off; PH off",
    ),
    (
        "Du mardi au samedi de 9h à 12h et de 14h à 19h. Fermé le lundi et le dimanche ainsi que "
        "les jours fériés.",
        "Tu-Sa 09:00-12:00,14:00-19:00; Mo,Su off; PH off",
    ),
    ("Ouvert tous les jours, y compris les jours fériés, de 10h à 19h", "Mo-Su 10:00-19:00"),
    ("Ouvert tous les jours de 10h à 19h, jours fériés compris", "Mo-Su 10:00-19:00"),
    (
        "Du mardi au samedi de 7h à 19h30. Dimanche et jours fériés de 8h à 12h30.",
        "Tu-Sa 07:00-19:30; Su 08:00-12:30; PH 08:00-12:30",
    ),
    # Dated closures
    (
        "Du lundi au samedi de 9h à 19h. Fermé le 25 décembre et le 1er janvier.",
        "Mo-Sa 09:00-19:00; Jan 01,Dec 25 off",
    ),
    (
        "Tous les jours de 8h à 20h. Fermetures exceptionnelles : 1er janvier, 1er mai et "
        "25 décembre.",
        "Mo-Su 08:00-20:00; Jan 01,May 01,Dec 25 off",
    ),
    (
        "Du lundi au samedi de 8h à 12h30. Fermé à Noël et au jour de l'an.",
        "Mo-Sa 08:00-12:30; Jan 01,Dec 25 off",
    ),
    ("Ouvert tous les jours de 10h à 19h (fermé le 1er mai)", "Mo-Su 10:00-19:00; May 01 off"),
    (
        "Du lundi au vendredi : 8 h – 12 h 30, 14 h – 19 h ; samedi : 8 h – 13 h ; fermé les 24 "
        "et 31 décembre",
        "Mo-Fr 08:00-12:30,14:00-19:00; Sa 08:00-13:00; Dec 24,Dec 31 off",
    ),
    (
        "Du lundi au samedi, de 10h à 12h et de 14h à 19h, sauf le 15 août",
        "Mo-Sa 10:00-12:00,14:00-19:00; Aug 15 off",
    ),
    ("Du lundi au samedi de 10h à 19h. Fermé en janvier.", "Mo-Sa 10:00-19:00; Jan off"),
    ("Du lundi au samedi de 10h à 19h, sauf en août", "Mo-Sa 10:00-19:00; Aug off"),
    (
        "Du lundi au samedi de 9h à 19h. Fermé du 24 décembre au 2 janvier.",
        "Mo-Sa 09:00-19:00; Dec 24-Jan 02 off",
    ),
    (
        "Fermeture annuelle du 15/01 au 15/02. Du mardi au dimanche de 12h à 14h et de 19h à 22h.",
        "Tu-Su 12:00-14:00,19:00-22:00; Jan 15-Feb 15 off",
    ),
    (
        "Janvier : fermé. Le reste de l'année, du mardi au dimanche de 10h à 18h.",
        "Tu-Su 10:00-18:00; Jan off",
    ),
    # Seasons
    (
        "Ouvert toute l'année du lundi au samedi de 9h à 12h et de 14h à 19h.",
        "Mo-Sa 09:00-12:00,14:00-19:00",
    ),
    ("Du 01/05 au 30/09, tous les jours de 10h à 19h", "May 01-Sep 30 Mo-Su 10:00-19:00"),
    (
        "Du 1er avril au 31 octobre : tous les jours de 9h30 à 18h30",
        "Apr 01-Oct 31 Mo-Su 09:30-18:30",
    ),
    ("Du 15 juin au 15 septembre, tous les jours de 10h à 20h", "Jun 15-Sep 15 Mo-Su 10:00-20:00"),
    (
        "Du 01/04/2025 au 31/10/2025 : du mercredi au dimanche de 14h à 18h",
        "2025 Apr 01-2025 Oct 31 We-Su 14:00-18:00",
    ),
    (
        "Du 01/04 au 31/10, tous les jours de 10h à 18h. Fermé le mardi.",
        "Apr 01-Oct 31 Mo,We-Su 10:00-18:00; Apr 01-Oct 31 Tu off",
    ),
    ("En juillet et août, tous les jours de 9h à 20h", "Jul-Aug Mo-Su 09:00-20:00"),
    ("Ouvert de juin à septembre, tous les jours de 10h à 19h", "Jun-Sep Mo-Su 10:00-19:00"),
    ("Tous les jours de 10h à 19h d'avril à septembre", "Apr-Sep Mo-Su 10:00-19:00"),
    (
        "Ouvert le samedi et le dimanche de 14h à 18h, du 1er juillet au 31 août",
        "Jul 01-Aug 31 Sa,Su 14:00-18:00",
    ),
    (
        "D'avril à septembre : tous les jours de 10h à 19h. D'octobre à mars : du mardi au "
        "dimanche de 10h à 17h.",
        "Apr-Sep Mo-Su 10:00-19:00; Oct-Mar Tu-Su 10:00-17:00",
    ),
    (
        "Du mardi au samedi de 10h à 18h. En juillet et août : tous les jours de 10h à 20h.",
        "Tu-Sa 10:00-18:00; Jul-Aug Mo-Su 10:00-20:00",
    ),
    (
        "Haute saison (juillet-août) : tous les jours de 10h à 20h. Basse saison : du mercredi "
        "au dimanche de 14h à 18h.",
        "We-Su 14:00-18:00; Jul-Aug Mo-Su 10:00-20:00",
    ),
    (
        "Toute l'année : du mardi au dimanche de 10h à 18h. En juillet-août : du mardi au samedi "
        "de 10h à 19h.",
        "Tu-Su 10:00-18:00; Jul-Aug Tu-Sa 10:00-19:00; Jul-Aug Su off",
    ),
    # A period ending a sentence changes only the days that sentence names
    (
        "Ouvert du lundi au samedi de 9h à 19h. Dimanche de 9h à 12h en juillet et août.",
        "Mo-Sa 09:00-19:00; Jul-Aug Su 09:00-12:00",
    ),
    (
        "Du lundi au samedi de 9h à 19h. Le samedi de 9h à 12h en août.",
        "Mo-Sa 09:00-19:00; Aug Sa 09:00-12:00",
    ),
    (
        "De mai à septembre : du mardi au dimanche de 10h à 18h. Fermé le reste de l'année.",
        "May-Sep Tu-Su 10:00-18:00",
    ),
    (
        "Tous les jours de 12h à 14h et de 19h à 22h sauf le week-end midi",
        "Mo-Fr 12:00-14:00,19:00-22:00; Sa,Su 19:00-22:00",
    ),
    # Refusals: never a wrong value
    ("Sur rendez-vous", Refused("rendez-vous")),
    ("Du lundi au vendredi de 9h à 18h, le samedi sur RDV", Refused("rendez-vous")),
    ("Ouvert 24h/24", Refused("jours ne sont pas précisés")),
    ("de 10h à 19h", Refused("jours ne sont pas précisés")),
    ("Ouvert midi et soir", Refused("jours ne sont pas précisés")),
    (
        "Ouvert de 7h à 13h30 et de 16h à 19h30. Fermé le dimanche après-midi et le lundi.",
        Refused("jours ne sont pas précisés"),
    ),
    ("Ouvert tous les jours", Refused("horaires ne sont pas précisés")),
    ("Fermé les jours fériés", Refused("seulement des fermetures")),
    ("Fermé le mercredi", Refused("seulement des fermetures")),
    ("Fermé", Refused("fermeture sans jour ni date")),
    ("Horaires variables", Refused("variables")),
    ("Ouvert selon la météo", Refused("selon")),
    ("De Pâques à la Toussaint, tous les jours de 10h à 18h", Refused("Pâques")),
    ("Pendant les vacances scolaires, tous les jours de 10h à 18h", Refused("vacances scolaires")),
    ("Été : tous les jours 10h-20h", Refused("saison sans dates")),
    ("Ouvert tous les jours de 9h à 19h, à partir du 1er avril", Refused("à partir de")),
    ("Congés annuels en août. Du mardi au samedi de 9h à 19h.", Refused("congés annuels")),
    (
        "Du mardi au dimanche midi et soir. Fermé dimanche et lundi midi.",
        Refused("fermeture ambiguë"),
    ),
    ("Du lundi au samedi 9h-12h, du mardi au samedi 14h-19h", Refused("deux horaires")),
    (
        "Tous les jours de 12h à 14h, le vendredi et le samedi de 19h à 23h",
        Refused("deux horaires"),
    ),
    (
        "Du lundi au samedi de 10h à 19h, le dimanche de 10h à 18h en décembre",
        Refused("période en fin de phrase"),
    ),
    (
        "Du lundi au vendredi de 9h à 18h sauf le mercredi après-midi",
        Refused("impossible à situer"),
    ),
    ("Ouvert le dimanche matin", Refused("« matin » sans heures")),
    ("Du lundi au samedi de 9h à 19h. Fermé le lundi de 12h à 14h.", Refused("heures précises")),
    ("de 18h à 14h", Refused("fin avant le début")),
    ("Du lundi au vendredi de 25h à 26h", Refused("heure impossible")),
    ("Du 30/02 au 15/03, tous les jours de 10h à 12h", Refused("date impossible")),
    ("Du lundi au vendredi de 9h à 12h30 et de 12h à 18h", Refused("se chevauchent")),
    ("Samedi ou dimanche de 10h à 12h", Refused("« ou »")),
    ("Du lundi au vendredi de 12.30 à 14h", Refused("illisible")),
    ("Boulangerie ouverte de 6h30 à 20h", Refused("mot non compris : « Boulangerie »")),
    ("Tous les jours de 7h à 20h30 (le dimanche jusqu'à 13h)", Refused("non comprise")),
    ("Mo-Fr 09:00-18:00", Refused("mot non compris")),
    # « sauf le dimanche de 14h à 18h »: Sunday's hours, or closed then? Either reading fits.
    ("Ouvert tous les jours de 10h à 19h sauf le dimanche de 14h à 18h", Refused("ambigu")),
    ("Du mardi au samedi de 10h à 18h. Fermé le reste de l'année.", Refused("contredit")),
    ("Fermé toute l'année", Refused("fermé toute l'année")),
    # The night before a holiday would end at midnight in OSM's reading
    ("Tous les jours de 19h à 2h. Fermé les jours fériés.", Refused("après minuit")),
    (
        "Tous les jours sauf le lundi et le mardi midi, de 12h à 14h et de 19h à 22h",
        Refused("fermeture ambiguë"),
    ),
    # Shorthands that read two ways: refused rather than guessed (found by fuzzing)
    ("LUNDI VENDREDI 9H-12H", Refused("impossibles à associer")),  # Mo,Fr or Mo-Fr?
    (
        "Du mardi au dimanche midi et soir. Fermé dimanche lundi midi.",
        Refused("après « fermé »"),  # must not open Monday lunch
    ),
    ("Tous jours sauf lundi de 10h à 18h", Refused("mot non compris : « jours »")),
    ("Sauf le lundi de 10h à 18h", Refused("« sauf » sans horaires")),
    ("Le soir de 14h à 19h, du mercredi au dimanche", Refused("ne correspond pas")),
    ("Du lundi au samedi de 9h à 19h. Du 24 décembre au 2 janvier.", Refused("sans horaires")),
    ("Lundi-vendredi : samedi 8h-19h", Refused("impossibles à associer")),
]

TEXTS = [text for text, _ in TABLE]
VALUES = [expected for _, expected in TABLE if not isinstance(expected, Refused)]


def open_intervals(expression: str, start: dt.datetime, end: dt.datetime) -> list:
    oh = hours.parse(expression)
    return [
        (lower, upper)
        for lower, upper, state, _ in oh.intervals(start, end)
        if state == opening_hours.State.OPEN
    ]


def same_meaning(a: str, b: str, start=dt.datetime(2027, 1, 1), end=dt.datetime(2028, 1, 1)):
    """The same open intervals over a whole year (2027, with its public holidays)."""
    return open_intervals(a, start, end) == open_intervals(b, start, end)


def test_the_table_is_large_and_has_no_duplicate():
    assert len(TABLE) >= 80
    assert len(set(TEXTS)) == len(TEXTS)


@pytest.mark.parametrize(("text", "expected"), TABLE, ids=[t[:60] for t in TEXTS])
def test_table(text, expected):
    result = translate(text)
    if isinstance(expected, Refused):
        assert result.value is None
        assert expected in result.reason
    else:
        assert result == Translation(result.value, None, result.note)
        assert result.value == expected
        assert hours.validate(result.value) == result.value


@pytest.mark.parametrize("value", VALUES)
def test_every_expected_value_is_valid_osm(value):
    assert hours.validate(value) == value


def test_meal_convention_is_said_in_the_note():
    assert translate("Du mardi au dimanche midi et soir").note == MEAL_NOTE
    assert translate("Du mardi au dimanche de 12h à 14h").note is None


def test_empty_text_is_no_hours_and_no_warning():
    assert translate("") == Translation(None, None, None)
    assert translate("   ") == Translation(None, None, None)
    assert translate(None) == Translation(None, None, None)


def test_too_long_text_is_refused_quickly():
    result = translate("du lundi au vendredi de 9h à 18h. " * 200)
    assert result.value is None and "trop long" in result.reason


# --- Meaning: what the values say at given times (2027-06-07 is a Monday) ---------------


def test_quoted_restaurant_is_open_and_closed_when_the_text_says():
    value = translate(QUOTED[1][0]).value
    assert hours.is_open(value, dt.datetime(2027, 6, 12, 14, 0))  # Saturday lunch
    assert not hours.is_open(value, dt.datetime(2027, 6, 12, 14, 15))
    assert hours.is_open(value, dt.datetime(2027, 6, 12, 21, 59))
    assert not hours.is_open(value, dt.datetime(2027, 6, 13, 13, 0))  # Sunday


def test_night_hours_reach_the_next_morning():
    # OSM drops a day's hours past midnight when another rule selects the next day: the
    # translator must split them, or Friday night would end at midnight.
    value = translate("Le vendredi de 19h à 2h, le samedi de 10h à 12h").value
    assert hours.is_open(value, dt.datetime(2027, 6, 12, 1, 30))  # Saturday 01:30
    assert not hours.is_open(value, dt.datetime(2027, 6, 12, 2, 30))
    assert hours.is_open(value, dt.datetime(2027, 6, 12, 11, 0))
    value = translate("Du lundi au jeudi de 18h à 1h, vendredi et samedi de 18h à 2h").value
    assert hours.is_open(value, dt.datetime(2027, 6, 11, 0, 30))  # Friday 00:30 (Thursday)
    assert not hours.is_open(value, dt.datetime(2027, 6, 11, 1, 30))
    assert hours.is_open(value, dt.datetime(2027, 6, 12, 1, 30))  # Saturday 01:30 (Friday)
    assert hours.is_open(value, dt.datetime(2027, 6, 13, 1, 30))  # Sunday 01:30 (Saturday)
    assert not hours.is_open(value, dt.datetime(2027, 6, 7, 0, 30))  # Monday 00:30 (Sunday)


def test_closures_win_over_opening_rules():
    value = translate("Tous les jours de 8h à 20h. Fermé le 25 décembre et les jours fériés.").value
    assert not hours.is_open(value, dt.datetime(2027, 12, 25, 10, 0))
    assert not hours.is_open(value, dt.datetime(2027, 7, 14, 10, 0))  # Bastille Day
    assert hours.is_open(value, dt.datetime(2027, 7, 15, 10, 0))


def test_a_period_ending_a_sentence_only_adds_to_the_week():
    value = translate(
        "Ouvert du lundi au samedi de 9h à 19h. Dimanche de 9h à 12h en juillet et août."
    ).value
    assert hours.is_open(value, dt.datetime(2027, 7, 5, 10, 0))  # Monday in July
    assert hours.is_open(value, dt.datetime(2027, 7, 11, 10, 0))  # Sunday in July
    assert not hours.is_open(value, dt.datetime(2027, 6, 13, 10, 0))  # Sunday in June


def test_a_season_describes_its_whole_week():
    value = translate(
        "Toute l'année : du mardi au dimanche de 10h à 18h. "
        "En juillet-août : du mardi au samedi de 10h à 19h."
    ).value
    assert hours.is_open(value, dt.datetime(2027, 6, 13, 11, 0))  # Sunday in June
    assert not hours.is_open(value, dt.datetime(2027, 7, 11, 11, 0))  # Sunday in July
    assert hours.is_open(value, dt.datetime(2027, 7, 10, 18, 30))  # Saturday in July


# --- Reverse check: describe_fr (OSM -> French) says the same thing ------------------------


def test_describe_fr_of_the_quoted_values():
    assert describe_fr(translate(QUOTED[0][0]).value) == "Tous les jours : 10 h – 20 h"
    assert describe_fr(translate(QUOTED[1][0]).value) == (
        "Du lundi au samedi : 12 h – 14 h 15, 19 h 30 – 22 h ; dimanche : fermé"
    )
    value = translate("Tous les jours de 8h à 20h. Fermé les 1er janvier et 25 décembre.").value
    assert (
        describe_fr(value) == "Tous les jours : 8 h – 20 h ; fermé les 1er janvier et 25 décembre"
    )


DESCRIBED = [v for v in VALUES if describe_fr(v) != v]


def test_most_values_are_within_describe_fr():
    assert len(DESCRIBED) >= 60


@pytest.mark.parametrize("value", DESCRIBED)
def test_round_trip_through_describe_fr(value):
    """French -> OSM -> French words of describe_fr -> OSM: the same meaning."""
    again = translate(describe_fr(value))
    assert again.value is not None, (describe_fr(value), again.reason)
    assert same_meaning(again.value, value), (describe_fr(value), again.value)


# --- Properties ----------------------------------------------------------------------------

FRAGMENTS = [
    "du lundi au vendredi", "lundi", "mardi et jeudi", "le week-end", "tous les jours", "7j/7",
    "sauf le lundi", "sauf jours fériés", "fermé le dimanche", "de 9h à 12h", "de 14h à 18h30",
    "12:00-14:30", "9h-12h / 14h-19h", "midi et soir", "le soir", "24h/24", "non-stop",
    "de 19h à 2h", "toute l'année", "d'avril à septembre", "en juillet et août",
    "du 01/05 au 30/09", "fermé le 25 décembre", "les 1er janvier et 25 décembre",
    "jours fériés", "et", ",", ".", ";", ":", "sauf", "fermé", "de", "à", "-", "le dimanche matin",
    "également", "le samedi de 10h à 12h", "sur rendez-vous", "fermé le lundi midi", "minuit",
    "du 24 décembre au 2 janvier", "hors saison", "y compris", "9", "h", "30",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200))
def test_never_raises_on_arbitrary_text(text):
    result = translate(text)
    assert isinstance(result, Translation)
    assert (result.value is None) or (result.reason is None)
    assert "erreur interne" not in (result.reason or "")
    if result.value is not None:
        hours.validate(result.value)
    elif text.strip():
        assert result.reason


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=14))
def test_never_emits_an_invalid_value_on_french_looking_text(fragments):
    result = translate(" ".join(fragments))
    assert "erreur interne" not in (result.reason or "")
    if result.value is not None:
        assert hours.validate(result.value) == result.value
    else:
        assert result.reason


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


VARIANTS = {
    "upper": str.upper,
    "lower": str.lower,
    "title": str.title,
    "no accents": strip_accents,
    "spaces": lambda t: t.replace(" ", "   ").replace(",", " , "),
    "tabs": lambda t: " \t" + t.replace(" ", "\t") + "  ",
    "typographic": lambda t: t.replace("'", "’").replace(" - ", " – ").replace("-", "‑"),
}


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(TEXTS), st.lists(st.sampled_from(sorted(VARIANTS)), max_size=3))
def test_same_result_for_case_accent_and_whitespace_variants(text, names):
    variant = text
    for name in names:
        variant = VARIANTS[name](variant)
    assert translate(variant).value == translate(text).value


# Schedules in the subset describe_fr speaks, for a generated round trip.
TIMES = [f"{h:02d}:{m:02d}" for h in range(6, 24) for m in (0, 30)]


@st.composite
def weekly_values(draw):
    days = list(range(7))
    draw(st.randoms()).shuffle(days)
    rules, used = [], 0
    for _ in range(draw(st.integers(1, 3))):
        size = draw(st.integers(1, 7 - used)) if used < 7 else 0
        if not size:
            break
        chosen, used = sorted(days[used : used + size]), used + size
        cuts = sorted(draw(st.sets(st.sampled_from(TIMES), min_size=2, max_size=4)))
        cuts = cuts[: len(cuts) // 2 * 2]
        ranges = ",".join(f"{a}-{b}" for a, b in zip(cuts[::2], cuts[1::2], strict=True))
        selector = ",".join(["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"][d] for d in chosen)
        rules.append(f"{selector} {ranges}")
    if used < 7 and draw(st.booleans()):
        rules.append(f"{['Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa', 'Su'][days[used]]} off")
    if draw(st.booleans()):
        rules.append("PH off")
    if draw(st.booleans()):
        rules.append("Dec 25 off")
    return "; ".join(rules)


@settings(max_examples=200, deadline=None)
@given(weekly_values())
def test_generated_schedules_round_trip_through_describe_fr(value):
    hours.validate(value)
    text = describe_fr(value)
    result = translate(text)
    assert result.value is not None, (value, text, result.reason)
    # The last quarter has three public holidays and Christmas: enough, and 4 times faster.
    quarter = dt.datetime(2027, 10, 1), dt.datetime(2028, 1, 1)
    assert same_meaning(result.value, value, *quarter), (value, text, result.value)
