from django.apps import AppConfig


class ImportRunsConfig(AppConfig):
    """The import commands and the journal of their runs (``ImportRun``).

    The label stays ``imports`` (the tables and migrations were made under it); the
    package is ``import_runs`` so as not to be mistaken for ``importers`` (the readers
    and the pipeline, which know nothing of this app).
    """

    name = "geo_directory.import_runs"
    label = "imports"
    verbose_name = "imports"

    def ready(self):
        from importers.pipeline import import_started

        from .journal import journal_of_run

        import_started.connect(journal_of_run, dispatch_uid="import_runs.journal")
