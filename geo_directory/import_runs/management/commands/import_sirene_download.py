"""Download the official géo-SIRENE files of the region's départements, then import them."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from geo_directory.businesses.signals import announce_bulk_change
from importers.errors import SourceError
from importers.reasons import plural
from importers.sirene_download import DEPARTEMENTS, base_url, download_and_import

from ._base import DATABASE_DOWN, database_down_message


class Command(BaseCommand):
    help = (
        "Download (resumable, HTTP Range) the géo-SIRENE files geo_siret_<dep>.csv.gz of "
        "the départements 04, 05, 06, 13, 83, 84 from settings.SIRENE_GEO_BASE_URL, then "
        "import them with the SIRENE importer (sha256 of each download in its ImportRun)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "departements",
            nargs="*",
            default=list(DEPARTEMENTS),
            help=f"départements (default: {' '.join(DEPARTEMENTS)})",
        )
        parser.add_argument(
            "--dir",
            type=Path,
            default=Path(settings.BASE_DIR) / "bench-data" / "geo-sirene",
            help="where the files are downloaded (kept: a later run resumes or reuses them)",
        )
        parser.add_argument("--base-url", help="instead of settings.SIRENE_GEO_BASE_URL")
        parser.add_argument("--dry-run", action="store_true", help="import nothing (counts)")
        parser.add_argument("--errors", type=Path, metavar="FILE", help="rejections and warnings")
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args, departements, **options):
        unknown = sorted(set(departements) - set(DEPARTEMENTS))
        if unknown:
            raise CommandError(
                f"{plural(len(unknown), 'département', 'départements')} hors de la région :"
                f" {', '.join(unknown)} (la région : {', '.join(DEPARTEMENTS)})"
            )
        base = options["base_url"] or base_url()
        if not base.endswith("/"):
            base += "/"
        progress = not options["no_progress"] and options["verbosity"] > 0
        failed, imported = [], 0
        for departement in departements:
            errors = options["errors"]
            if errors is not None and len(departements) > 1:
                errors = errors.with_name(f"{errors.stem}-{departement}{errors.suffix}")
            try:
                got, report = download_and_import(
                    departement,
                    options["dir"],
                    base=base,
                    progress=progress,
                    dry_run=options["dry_run"],
                    errors_path=errors,
                )
            except SourceError as exc:
                failed.append(departement)
                self.stderr.write(f"rien n’est importé pour le {departement} : {exc}")
                continue
            except DATABASE_DOWN as exc:
                raise CommandError(database_down_message(exc)) from exc
            imported += 1
            resumed = f", repris à l’octet {got.resumed_from}" if got.resumed_from else ""
            if got.reused:
                resumed = ", téléchargé par une exécution précédente"
            self.stdout.write(f"{got.url} : {got.size} octets, sha256 {got.sha256}{resumed}")
            self.stdout.write(report.summary())
        if imported and not options["dry_run"]:
            for line in announce_bulk_change(sender=type(self)):
                self.stdout.write(line)
        if failed:
            raise CommandError(
                f"{plural(len(failed), 'département non importé', 'départements non importés')}"
                f" ({', '.join(failed)}) : relancez la commande pour reprendre"
            )
