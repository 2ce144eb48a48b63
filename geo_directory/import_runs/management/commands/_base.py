"""The options every import command shares; the work is done in ``importers``.

Each run is recorded as an ``ImportRun`` by this app's journal (``journal.py``, listening
to ``importers.pipeline.import_started``), whoever starts it: these commands, ``seed_demo``
or a direct call.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError

from geo_directory.businesses.signals import announce_bulk_change
from importers.errors import SourceError
from importers.mapping import load_mapping
from importers.reasons import plural

# The database went away (crash, restart, network): a clear message and exit status 1
# rather than a traceback. The import of a file is one transaction: it is rolled back.
DATABASE_DOWN = (OperationalError, InterfaceError)


def database_down_message(exc: Exception) -> str:
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return (
        f"base de données injoignable ({detail}). Relancez la commande quand PostgreSQL est"
        " revenu : c’est sans risque, les lignes sont mises à jour par source et identifiant."
    )


class ImportCommand(BaseCommand):
    """Subclasses define ``run(path, **options)`` returning an ImportReport."""

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="count what would be created/updated/closed/rejected, show sample diffs, "
            "write nothing",
        )
        parser.add_argument(
            "--errors",
            type=Path,
            metavar="FILE",
            help="write the rejected rows to this CSV (line, field, reason, raw)",
        )
        parser.add_argument(
            "--full-refresh",
            action="store_true",
            help="the file is the whole source: close this source's listings absent from it",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="the account the run is recorded for (default: the system user's name)",
        )

    def handle(self, *args, **options):
        try:
            self.handle_imports(*args, **options)
        except DATABASE_DOWN as exc:
            raise CommandError(database_down_message(exc)) from exc

    def handle_imports(self, *args, paths, **options):
        user = None
        if options["user"]:
            from django.contrib.auth import get_user_model

            try:
                user = get_user_model().objects.get_by_natural_key(options["user"])
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"aucun compte nommé « {options['user']} »") from exc
        failed = []
        for path in paths:
            errors = options["errors"]
            if errors is not None and len(paths) > 1:
                errors = errors.with_name(f"{errors.stem}-{path.stem}{errors.suffix}")
            try:
                report = self.run(
                    path,
                    dry_run=options["dry_run"],
                    full_refresh=options["full_refresh"],
                    errors_path=errors,
                    progress=not options["no_progress"] and options["verbosity"] > 0,
                    user=user,
                    **self.format_options(options),
                )
            except SourceError as exc:
                failed.append(str(exc))
                self.stderr.write(f"rien n’est importé de {path} : {exc}")
                continue
            except DATABASE_DOWN as exc:
                raise CommandError(
                    f"rien n’est importé de {path} (une seule transaction, annulée) : "
                    f"{database_down_message(exc)}"
                ) from exc
            self.stdout.write(report.summary())
            if errors is not None:
                self.stdout.write(
                    f"  {plural(report.rejected_count, 'ligne rejetée', 'lignes rejetées')} et"
                    f" {plural(report.warning_count, 'avertissement', 'avertissements')}"
                    f" écrits dans {errors}"
                )
        if not options["dry_run"] and len(failed) < len(paths):
            # What is derived from the whole table (the map's clusters) is refreshed by
            # its own layer, listening to the listings' signal.
            for line in announce_bulk_change(sender=type(self)):
                self.stdout.write(line)
        if failed:
            raise CommandError(
                f"{plural(len(failed), 'fichier illisible', 'fichiers illisibles')} :"
                " rien n’en est importé"
            )

    def format_options(self, options) -> dict:
        return {}

    def run(self, path, **options):
        raise NotImplementedError


class MappedImportCommand(ImportCommand):
    """A partner's file read through its field mapping (``importers/mapping.py``)."""

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--mapping", type=Path, required=True, help="YAML or JSON mapping")

    def format_options(self, options):
        return {"mapping": load_mapping(options["mapping"])}
