"""Where the claims' proof documents live: a storage that is never served publicly.

Documents (Kbis, invoices, identity papers) are personal data: they are not under
MEDIA_ROOT (served by the web server), have no URL (``url()`` raises), and are read only
through the admin view of ``admin.ListingClaimAdmin`` (moderators). The directory is
``settings.CLAIM_DOCUMENTS_ROOT`` (the environment variable of that name, else
``private-media/`` in the checkout); read at each use, so that tests can point it at a
temporary directory.
"""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    @property
    def base_location(self):
        default = Path(settings.BASE_DIR) / "private-media"
        return str(getattr(settings, "CLAIM_DOCUMENTS_ROOT", default))

    @property
    def location(self):
        return str(Path(self.base_location).resolve())

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("Claim documents have no public URL.")


def claim_documents() -> PrivateStorage:
    """The storage of ``ListingClaim.document`` (a callable: not frozen in migrations)."""
    return _STORAGE


_STORAGE = PrivateStorage()
