"""SIRENE establishments: INSEE's ``StockEtablissement`` CSV and the géo-SIRENE variant.

Column reference: ``GEO_DATA_DIR/formats/sirene.md``. Columns are found by their header
name (any order, extra columns ignored); UTF-8 or Latin-1 is detected (``encoding`` forces
one). Per row:

- the SIRET is the natural key (``external_id``) and is Luhn-checked
  (``validators.siret_error``); an invalid one is rejected;
- ``activitePrincipaleEtablissement`` (NAF rev. 2) maps to a category through
  ``Category.naf_codes``; other activities (banks, offices...) are skipped and counted;
- ``codeCommuneEtablissement`` outside the six départements of the region: counted as
  outside the region; a code of those départements that is not in our commune table
  (Marseille's arrondissements 132xx map to 13055): rejected as unknown;
- ``etatAdministratifEtablissement = F``: the listing is closed (never created);
- ``statutDiffusionEtablissement = P``: no street nor postcode, the point moved to the
  commune's centre (the address is not shown beyond the commune);
- coordinates: géo-SIRENE ``longitude``/``latitude`` (WGS84, with ``geo_type`` →
  precision and ``geo_score``), else ``coordonneeLambert*`` (Lambert-93, EPSG:2154,
  reprojected with pyproj); none: kept ``pending`` "à géocoder" (``importers.geocode``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pyproj import Transformer

from geo_directory.businesses.models import Business, Category
from geo_directory.businesses.validators import siret_error
from geo_directory.territory.models import Commune, CommuneArea

from . import reasons
from .errors import ImportReport, Rejection, SourceError
from .pipeline import (
    OUTSIDE_REGION,
    RAW_MAX,
    FieldNames,
    Record,
    Skip,
    bad_encoding,
    detect_encoding,
    in_region_code,
    open_csv,
    raw_row,
    run_import,
)

REQUIRED = (
    "siret",
    "activitePrincipaleEtablissement",
    "etatAdministratifEtablissement",
    "codeCommuneEtablissement",
)
SIRENE_FIELDS = FieldNames(
    id="siret", location="coordonnees", postcode="codePostalEtablissement", siret="siret"
)
GEO_TYPES = {"housenumber", "street", "locality", "municipality"}
NOT_DISCLOSED = "[ND]"  # INSEE's value for fields hidden by statutDiffusion = P
NOT_OURS = reasons.NAF_NOT_OURS

# typeVoieEtablissement codes (INSEE) → words, for a readable street.
STREET_TYPES = {
    "ALL": "Allée",
    "AV": "Avenue",
    "BD": "Boulevard",
    "CAR": "Carrefour",
    "CHE": "Chemin",
    "CHS": "Chaussée",
    "CITE": "Cité",
    "COR": "Corniche",
    "CRS": "Cours",
    "DOM": "Domaine",
    "DSC": "Descente",
    "ECA": "Écart",
    "ESP": "Esplanade",
    "FG": "Faubourg",
    "GR": "Grande Rue",
    "HAM": "Hameau",
    "HLE": "Halle",
    "IMP": "Impasse",
    "LD": "Lieu-dit",
    "LOT": "Lotissement",
    "MAR": "Marché",
    "MTE": "Montée",
    "PAS": "Passage",
    "PL": "Place",
    "PLN": "Plaine",
    "PLT": "Plateau",
    "PRO": "Promenade",
    "PRV": "Parvis",
    "QUA": "Quartier",
    "QUAI": "Quai",
    "RES": "Résidence",
    "RLE": "Ruelle",
    "ROC": "Rocade",
    "RPT": "Rond-point",
    "RTE": "Route",
    "RUE": "Rue",
    "SEN": "Sente",
    "SQ": "Square",
    "TPL": "Terre-plein",
    "TRA": "Traverse",
    "VLA": "Villa",
    "VLGE": "Village",
}


class SireneReader:
    def __init__(self, path: Path, encoding: str | None = None):
        self.path = Path(path)
        self.encoding = detect_encoding(self.path, encoding)
        naf: dict[str, int] = {}
        for category_id, codes in Category.objects.values_list("id", "naf_codes"):
            for code in codes:
                naf.setdefault(code.replace(".", "").upper(), category_id)
        self.naf = naf
        self.communes = set(Commune.objects.values_list("code", flat=True))
        self.areas = dict(CommuneArea.objects.values_list("code", "commune_id"))
        self.lambert = Transformer.from_crs(2154, 4326, always_xy=True)
        self.handle, self.reader = open_csv(self.path, self.encoding)
        try:
            header = next(self.reader)
        except StopIteration as exc:
            raise SourceError(f"{self.path} : {reasons.EMPTY_FILE}") from exc
        except UnicodeDecodeError as exc:
            raise SourceError(reasons.not_text(self.path, self.encoding, exc.start)) from exc
        self.header = [h.strip().lstrip("\ufeff") for h in header]
        self.col = {name: i for i, name in enumerate(self.header)}
        missing = [name for name in REQUIRED if name not in self.col]
        if missing:
            self.handle.close()
            raise SourceError(
                reasons.missing_columns(
                    self.path, missing, self.header, "fichier d’établissements SIRENE"
                )
            )

    def close(self):
        self.handle.close()

    def records(self) -> Iterator[Record | Rejection | Skip]:
        """One item per data row: the hot loop of a multi-million-row import.

        Columns are read by index with no helper call per field; a column missing from
        the header points to an empty cell appended to each row (``blank``).
        """
        blank = len(self.header)

        def col(name: str) -> int:
            return self.col.get(name, blank)

        i_siret, i_naf, i_etat = (
            col("siret"),
            col("activitePrincipaleEtablissement"),
            col("etatAdministratifEtablissement"),
        )
        i_code, i_diff = col("codeCommuneEtablissement"), col("statutDiffusionEtablissement")
        i_enseigne, i_denom = col("enseigne1Etablissement"), col("denominationUsuelleEtablissement")
        i_num, i_ind = col("numeroVoieEtablissement"), col("indiceRepetitionEtablissement")
        i_type, i_voie = col("typeVoieEtablissement"), col("libelleVoieEtablissement")
        i_cp = col("codePostalEtablissement")
        i_lon, i_lat = col("longitude"), col("latitude")
        i_x, i_y = (
            col("coordonneeLambertAbscisseEtablissement"),
            col("coordonneeLambertOrdonneeEtablissement"),
        )
        i_score, i_gtype = col("geo_score"), col("geo_type")
        width = len(self.header)
        naf, communes, areas = self.naf, self.communes, self.areas
        reader = self.reader
        nd = NOT_DISCLOSED
        try:
            for row in reader:
                line = reader.line_num
                if len(row) != width:
                    if not row:
                        continue
                    yield Rejection(line, "row", reasons.wrong_width(len(row), width), raw_row(row))
                    continue
                raw = ",".join(row)
                if "\x00" in raw or not raw.isascii():
                    encoding_error = bad_encoding(row, self.header, self.encoding)
                    if encoding_error:
                        yield Rejection(line, *encoding_error, raw_row(row))
                        continue
                raw = raw[:RAW_MAX]
                row.append("")  # the cell of absent columns (index ``blank``)
                activity = row[i_naf].strip().replace(".", "").upper()
                category_id = naf.get(activity)
                if category_id is None:
                    yield Skip(line, NOT_OURS)
                    continue
                code = row[i_code].strip()
                if code in areas:
                    code = areas[code]
                elif code not in communes:
                    if in_region_code(code):
                        yield Rejection(
                            line, "codeCommuneEtablissement", reasons.unknown_commune(code), raw
                        )
                    else:
                        yield Skip(line, OUTSIDE_REGION)
                    continue
                siret = row[i_siret].strip()
                error = siret_error(siret)
                if error:
                    yield Rejection(line, "siret", reasons.invalid_siret(siret, error), raw)
                    continue
                name = row[i_enseigne].strip()
                if not name or name == nd:
                    name = row[i_denom].strip()
                    name = "" if name == nd else name
                kind = row[i_type].strip().upper()
                parts = (
                    row[i_num].strip(),
                    row[i_ind].strip().lower(),
                    STREET_TYPES.get(kind, kind),
                    row[i_voie].strip(),
                )
                street = " ".join(filter(None, parts))
                if "[" in street:  # "[ND]" (not disclosed) parts are left out
                    street = " ".join(p for p in parts if p and p.upper() != nd)
                postcode = row[i_cp].strip()
                record = Record(
                    line,
                    siret,
                    raw,
                    siret=siret,
                    commune_id=code,
                    category_id=category_id,
                    address_in_region=True,
                    name=name,
                    closed=row[i_etat].strip() == "F",
                    hide_address=row[i_diff].strip() == "P",
                    street=street,
                    postcode=postcode if len(postcode) == 5 and postcode.isdigit() else "",
                )
                lon, lat = row[i_lon].strip(), row[i_lat].strip()
                x, y = row[i_x].strip(), row[i_y].strip()
                try:
                    if lon and lat and lon != nd and lat != nd:
                        record.lon, record.lat = float(lon), float(lat)
                        gtype = row[i_gtype].strip()
                        record.geocode_precision = gtype if gtype in GEO_TYPES else "source"
                        score = row[i_score].strip()
                        record.geocode_score = float(score) if score and score != nd else None
                    elif x and y and x != nd and y != nd:
                        record.lon, record.lat = self.lambert.transform(float(x), float(y))
                except ValueError:
                    yield Rejection(
                        line, SIRENE_FIELDS.location, reasons.non_numeric(lon or x, lat or y), raw
                    )
                    continue
                yield record
        except UnicodeDecodeError as exc:  # only with an explicit strict codec
            raise SourceError(reasons.not_text(self.path, self.encoding, exc.start)) from exc
        finally:
            self.close()


def import_sirene(path: Path, encoding: str | None = None, **options) -> ImportReport:
    """Import a SIRENE establishment CSV (options as ``pipeline.run_import``)."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(reasons.file_not_found(path))
    from .sirene_columns import SireneColumns  # built on this module's rules

    reader = SireneReader(path, encoding)  # SourceError before anything is written
    try:
        return run_import(
            path,
            Business.Source.SIRENE,
            reader.records,
            columns=SireneColumns(reader).batches,
            names=SIRENE_FIELDS,
            **options,
        )
    finally:
        reader.close()
