"""The site's error pages: French and in the site's look, JSON for the API.

Django's own handlers render the project's ``404.html``, ``403.html``, ``400.html`` and
``500.html`` (geo_directory/templates/); these wrappers only answer the JSON API with its
error shape (``{"errors": {...}}``) instead of a page, whatever raised the error (an
unknown URL under /api/ never reaches the API's views). A refused CSRF check gets the
French 403 page too, with what to do about it, instead of Django's English one.
"""

from __future__ import annotations

from django.http import HttpResponseForbidden, JsonResponse
from django.template import loader
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

from .middleware import is_json_api

MESSAGES = {
    400: "Requête invalide.",
    403: "Accès refusé.",
    404: "Cette adresse ne correspond à aucune ressource.",
    500: "Erreur interne du serveur : l'incident est enregistré, réessayez plus tard.",
}


def _json(status: int) -> JsonResponse:
    response = JsonResponse({"errors": {"detail": MESSAGES[status]}}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _page_or_json(status: int, page_view):
    """Django's handler ``page_view`` (which renders ``<status>.html``), JSON for the API."""

    @requires_csrf_token
    def handler(request, *args, **kwargs):
        if is_json_api(request.path_info):
            return _json(status)
        return page_view(request, *args, **kwargs)

    return handler


bad_request = _page_or_json(400, defaults.bad_request)
permission_denied = _page_or_json(403, defaults.permission_denied)
page_not_found = _page_or_json(404, defaults.page_not_found)
# No database, session or context processor in the 500 page: the error may be theirs.
server_error = _page_or_json(500, defaults.server_error)


def csrf_failure(request, reason=""):
    """A form sent without a valid CSRF token (an expired page, cookies blocked)."""
    if is_json_api(request.path_info):
        return _json(403)
    page = loader.get_template("403.html").render({"csrf_failure": True}, request)
    return HttpResponseForbidden(page)
