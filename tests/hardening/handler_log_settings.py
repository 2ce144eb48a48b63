"""The site's settings, plus a note of every request Django's handler starts on, written
to the file ``SN_HANDLER_LOG`` names: a gunicorn started with them shows which requests
reached Django and which the WSGI front (geo_directory/front.py) answered before it."""

import os

from django.core.signals import request_started

from geo_directory.settings import *  # noqa: F403


def _note(sender, environ, **kwargs):
    line = f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}?{environ.get('QUERY_STRING', '')}"
    with open(os.environ["SN_HANDLER_LOG"], "a") as log:
        log.write(line + "\n")


request_started.connect(_note, dispatch_uid="tests.hardening.handler_log")
