import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo_directory.settings")
django_application = get_wsgi_application()

# Static files and kept API answers before Django's handler (geo_directory/front.py).
from geo_directory.front import Front  # noqa: E402 (needs the settings set up above)

application = Front(django_application)
