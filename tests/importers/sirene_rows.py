"""SIRENE rows in the official StockEtablissement format (formats/sirene.md), by code.

No real SIRENE extract is available: tests write establishments with real places and
addresses of the region and SIRETs whose Luhn keys are computed here.
"""

from __future__ import annotations

import csv
from pathlib import Path

from pyproj import Transformer

from geo_directory.businesses.validators import luhn_valid

COLUMNS = [
    "siren",
    "nic",
    "siret",
    "statutDiffusionEtablissement",
    "dateCreationEtablissement",
    "trancheEffectifsEtablissement",
    "anneeEffectifsEtablissement",
    "activitePrincipaleRegistreMetiersEtablissement",
    "dateDernierTraitementEtablissement",
    "etablissementSiege",
    "nombrePeriodesEtablissement",
    "complementAdresseEtablissement",
    "numeroVoieEtablissement",
    "indiceRepetitionEtablissement",
    "typeVoieEtablissement",
    "libelleVoieEtablissement",
    "codePostalEtablissement",
    "libelleCommuneEtablissement",
    "libelleCommuneEtrangerEtablissement",
    "distributionSpecialeEtablissement",
    "codeCommuneEtablissement",
    "codeCedexEtablissement",
    "libelleCedexEtablissement",
    "codePaysEtrangerEtablissement",
    "libellePaysEtrangerEtablissement",
    "complementAdresse2Etablissement",
    "numeroVoie2Etablissement",
    "indiceRepetition2Etablissement",
    "typeVoie2Etablissement",
    "libelleVoie2Etablissement",
    "codePostal2Etablissement",
    "libelleCommune2Etablissement",
    "libelleCommuneEtranger2Etablissement",
    "distributionSpeciale2Etablissement",
    "codeCommune2Etablissement",
    "codeCedex2Etablissement",
    "libelleCedex2Etablissement",
    "codePaysEtranger2Etablissement",
    "libellePaysEtranger2Etablissement",
    "dateDebut",
    "etatAdministratifEtablissement",
    "enseigne1Etablissement",
    "enseigne2Etablissement",
    "enseigne3Etablissement",
    "denominationUsuelleEtablissement",
    "activitePrincipaleEtablissement",
    "nomenclatureActivitePrincipaleEtablissement",
    "caractereEmployeurEtablissement",
    "coordonneeLambertAbscisseEtablissement",
    "coordonneeLambertOrdonneeEtablissement",
    "identifiantAdresseEtablissement",
]
GEO_COLUMNS = [
    "longitude",
    "latitude",
    "geo_score",
    "geo_type",
    "geo_adresse",
    "geo_id",
    "geo_ligne",
    "geo_l4",
    "geo_l5",
]

_TO_L93 = Transformer.from_crs(4326, 2154, always_xy=True)


def luhn_complete(digits: str) -> str:
    """``digits`` followed by the one digit that makes the whole Luhn-valid."""
    for key in "0123456789":
        if luhn_valid(digits + key):
            return digits + key
    raise AssertionError("unreachable")


def make_siret(number: int, nic: int = 1) -> str:
    siren = luhn_complete(f"{number % 10**8:08d}")
    return luhn_complete(f"{siren}{nic % 10**4:04d}")


def lambert(lon: float, lat: float) -> tuple[str, str]:
    x, y = _TO_L93.transform(lon, lat)
    return f"{x:.1f}", f"{y:.1f}"


def row(
    number: int,
    *,
    name="",
    naf="10.71C",
    commune="13055",
    postcode="13002",
    street=("12", "RUE", "DE LA REPUBLIQUE"),
    etat="A",
    diffusion="O",
    lonlat=None,
    siret=None,
    geo=None,
    **extra,
) -> dict:
    """One establishment; ``lonlat`` gives the Lambert-93 columns, ``geo`` = (lon, lat)."""
    siret = siret or make_siret(number)
    values = dict.fromkeys(COLUMNS, "")
    values.update(
        {
            "siren": siret[:9],
            "nic": siret[9:],
            "siret": siret,
            "statutDiffusionEtablissement": diffusion,
            "dateCreationEtablissement": "2015-03-02",
            "etablissementSiege": "true",
            "nombrePeriodesEtablissement": "1",
            "numeroVoieEtablissement": street[0],
            "typeVoieEtablissement": street[1],
            "libelleVoieEtablissement": street[2],
            "codePostalEtablissement": postcode,
            "codeCommuneEtablissement": commune,
            "dateDebut": "2015-03-02",
            "etatAdministratifEtablissement": etat,
            "enseigne1Etablissement": name,
            "activitePrincipaleEtablissement": naf,
            "nomenclatureActivitePrincipaleEtablissement": "NAFRev2",
            "caractereEmployeurEtablissement": "O",
        }
    )
    if lonlat:
        x, y = lambert(*lonlat)
        values["coordonneeLambertAbscisseEtablissement"] = x
        values["coordonneeLambertOrdonneeEtablissement"] = y
    if geo:
        values.update(
            {
                "longitude": f"{geo[0]:.6f}",
                "latitude": f"{geo[1]:.6f}",
                "geo_score": "0.93",
                "geo_type": "housenumber",
            }
        )
    values.update(extra)
    return values


def write(path: Path, rows: list[dict], *, encoding="utf-8", columns=None, geo=False) -> Path:
    columns = columns or (COLUMNS + GEO_COLUMNS if geo else COLUMNS)
    with Path(path).open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return Path(path)
