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


@requires_csrf_token
def bad_request(request, exception, template_name="400.html"):
    if is_json_api(request.path_info):
        return _json(400)
    return defaults.bad_request(request, exception, template_name)


@requires_csrf_token
def permission_denied(request, exception, template_name="403.html"):
    if is_json_api(request.path_info):
        return _json(403)
    return defaults.permission_denied(request, exception, template_name)


@requires_csrf_token
def page_not_found(request, exception, template_name="404.html"):
    if is_json_api(request.path_info):
        return _json(404)
    return defaults.page_not_found(request, exception, template_name)


@requires_csrf_token
def server_error(request, template_name="500.html"):
    # No database, session or context processor here: the error may be theirs.
    if is_json_api(request.path_info):
        return _json(500)
    return defaults.server_error(request, template_name)


def csrf_failure(request, reason=""):
    """A form sent without a valid CSRF token (an expired page, cookies blocked)."""
    if is_json_api(request.path_info):
        return _json(403)
    page = loader.get_template("403.html").render({"csrf_failure": True}, request)
    return HttpResponseForbidden(page)
