"""Why a row is rejected, in French: the words of the ``--errors`` file and of the import's
summary, read by a partner's staff like the warnings (``pipeline/optional.py``), in the same
style. One home for each reason, whichever format's reader or stage finds it; the ones
written by SQL (``pipeline/resolution.py``) are ``format()`` templates given as parameters.
"""

from __future__ import annotations

import errno

# Positions (pipeline/record.py, pipeline/columnar.py, the format readers).
ONE_COORDINATE = "une seule coordonnée : il faut la longitude et la latitude"
NON_FINITE = "coordonnées non finies (infini ou NaN)"
NULL_ISLAND = "coordonnées (0, 0) : pas une vraie position"
NON_NUMERIC = "coordonnées non numériques"
NO_POSITION = "ni coordonnées ni code commune"
NO_GEOMETRY = "pas de géométrie"
UNREADABLE_GEOMETRY = "géométrie illisible"

# The row itself.
MISSING_NAME = "nom manquant"
EMPTY_ID = "identifiant vide"
NUL_BYTE = "octet NUL (0x00) dans le champ : pas du texte"
NOT_A_FEATURE = "pas un objet Feature GeoJSON"
PROPERTIES_NOT_OBJECT = "« properties » n’est pas un objet"
NOT_AN_OSM_ELEMENT = "pas un élément OSM (objet attendu)"
NOT_A_JSON_OBJECT = "pas un objet JSON"

# SQL format() templates (pipeline/resolution.py): %s are filled by PostgreSQL.
POSTCODE_CONTRADICTS = (
    "code postal %s en contradiction avec les coordonnées (commune %s, département %s)"
)
SWAPPED = "latitude et longitude inversées"
OUTSIDE = "coordonnées hors de la région, alors que l’adresse indique %s"
OUTSIDE_BY = "coordonnées à %s km hors de la région, alors que l’adresse indique %s"
IN_NEIGHBOUR = (
    "coordonnées dans un territoire voisin (%s), hors de la région, alors que l’adresse indique %s"
)
ADDRESS_IN_REGION = "une commune de la région"  # the address of OUTSIDE* without a postcode
DUPLICATE_ID = "doublon de la ligne %2$s (même identifiant %1$s)"
DUPLICATE_SIRET = "doublon de la ligne %2$s (même SIRET %1$s)"


def non_numeric(lon: str, lat: str) -> str:
    return f"{NON_NUMERIC} (« {lon} », « {lat} »)"


def long_id(length: int) -> str:
    return f"identifiant de plus de 100 caractères ({length})"


def no_category(kind: str) -> str:
    """``kind``: the source's words for the row's kind (« Banque », shop=bank), or ""."""
    return f"aucune catégorie pour {kind}" if kind else "catégorie vide ou absente"


def unknown_commune(code: str) -> str:
    return f"code commune « {code} » inconnu : pas une commune de la région"


def invalid_siret(siret: str, error: str) -> str:
    """``error``: businesses.validators.siret_error's sentence."""
    return f"SIRET « {siret} » invalide : {error}"


def wrong_width(fields: int, width: int) -> str:
    return f"{fields} champs alors que l’en-tête en a {width} (ligne tronquée ou mal formée)"


def bad_encoding(byte: int, encoding: str) -> str:
    return (
        f"encodage incorrect : l’octet 0x{byte:02X} n’est pas du {encoding} valide (fichier lu"
        f" en {encoding} ; s’il est en Latin-1, dites-le : --encoding latin-1 pour SIRENE,"
        " « encoding: latin-1 » dans la correspondance d’un partenaire)"
    )


def no_osm_position(key: str) -> str:
    return f"{key} : aucune position (ni center, ni geometry, ni nodes)"


def unreadable_osm_position(key: str, why: str = "") -> str:
    return f"{key} : position illisible" + (f" ({why})" if why else "")


def malformed_point(coordinates) -> str:
    return f"coordonnées mal formées : {coordinates!r}"


def empty_geometry(kind: str) -> str:
    return f"géométrie vide ({kind})"


# --- Counts, skipped rows and whole-file errors -------------------------------------------
# Read by the same staff in the command's output and the admin's import runs.


def plural(count: int, singular: str, plural: str) -> str:
    """« 0 ligne », « 1 ligne », « 3 lignes »: French takes the singular below 2."""
    return f"{count} {singular if abs(count) < 2 else plural}"


# Rows deliberately not loaded (the summary's « ignorées »).
OSM_NOT_OURS = "type d’objet OSM hors de nos catégories"
NAF_NOT_OURS = "activité (NAF) hors de nos catégories"
CLOSED_NOT_LISTED = "fermé dans la source et absent de l’annuaire"

# SourceError: the whole file is refused before anything is written.
NOT_A_FEATURE_COLLECTION = "pas une FeatureCollection GeoJSON"
NO_FEATURES_LIST = "FeatureCollection sans liste « features »"
EMPTY_FILE = "fichier vide (pas de ligne d’en-tête)"
_OS_ERRORS = {
    errno.ENOENT: "introuvable",
    errno.EACCES: "accès refusé",
    errno.EPERM: "accès refusé",
    errno.EISDIR: "c’est un dossier, pas un fichier",
    errno.EIO: "erreur de lecture du disque",
}


def file_not_found(path) -> str:
    return f"{path} : fichier introuvable"


def unreadable_file(path, exc: OSError, what: str = "fichier") -> str:
    why = _OS_ERRORS.get(exc.errno, f"erreur système {errno.errorcode.get(exc.errno, exc.errno)}")
    return f"{path} : {what} illisible ({why})"


def invalid_json(path, line: int | None = None, column: int | None = None) -> str:
    where = f" à la ligne {line}, colonne {column}" if line is not None else ""
    return f"{path} : JSON invalide{where} (fichier tronqué ou mal formé)"


def not_text(path, encoding: str, byte: int | None = None) -> str:
    where = f" (octet {byte})" if byte is not None else ""
    return f"{path} : pas du texte {encoding}{where}"


def missing_columns(path, missing: list[str], header: list[str], what: str) -> str:
    """``what``: the kind of file expected (« fichier d’établissements SIRENE »)."""
    names = ", ".join(f"« {name} »" for name in missing)
    columns = plural(len(missing), "colonne obligatoire absente", "colonnes obligatoires absentes")
    found = ", ".join(header[:8]) + (", …" if len(header) > 8 else "")
    return f"{path} : pas un {what}, {columns} : {names} (en-tête : {found})"
