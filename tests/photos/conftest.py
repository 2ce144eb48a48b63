import pytest


@pytest.fixture
def media_root(settings, tmp_path):
    """Stored photos go to a throwaway folder (the storage API reads MEDIA_ROOT)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def client_factory():
    from django.test import Client

    return Client
