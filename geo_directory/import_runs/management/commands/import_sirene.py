from importers.sirene import import_sirene

from ._base import ImportCommand


class Command(ImportCommand):
    help = (
        "Import a SIRENE StockEtablissement CSV (or the géo-SIRENE variant): SIRET as key, "
        "NAF → category, closed establishments closed, rows without coordinates pending."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--encoding", help="force the file encoding (default: detected)")
        parser.add_argument(
            "--geocode",
            action="store_true",
            help="then geocode the pending rows of this source with the geocoding service "
            "(importers.geocode.geocode_pending)",
        )

    def run(self, path, **options):
        return import_sirene(path, **options)

    def format_options(self, options):
        return {"encoding": options["encoding"]}

    def handle(self, *args, **options):
        super().handle(*args, **options)
        if options["geocode"] and not options["dry_run"]:
            from importers.geocode import geocode_pending

            self.stdout.write(geocode_pending("sirene").summary())
