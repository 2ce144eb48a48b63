"""The API views remember DRF's content negotiation (views.PublicView.negotiated): the
same answers as DRF's own, per Accept header and ?format=, and a refusal every time."""

import pytest
from django.test import Client, RequestFactory
from rest_framework.exceptions import NotAcceptable
from rest_framework.request import Request

from geo_directory.api import views

pytestmark = pytest.mark.django_db

URL = "/api/v1/categories/"
ACCEPTS = [
    None,
    "*/*",
    "application/json",
    "application/json; indent=4",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "application/geo+json, application/json;q=0.9",
]


def _drf_own(accept, query=""):
    """What DRF's negotiation answers for this request, asked afresh."""
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    request = Request(RequestFactory().get(URL + query, **headers))
    view = views.CategoryTreeView()
    view.format_kwarg = None
    view.request = request
    renderer, media_type = view.perform_content_negotiation(request)
    return type(renderer), media_type, view, request


@pytest.mark.parametrize("accept", ACCEPTS)
def test_the_same_choice_as_drf_every_time(accept):
    renderer_class, media_type, view, request = _drf_own(accept)
    for _ in range(2):  # computed, then remembered
        renderer, remembered_type = view.negotiated(request)
        assert (type(renderer), remembered_type) == (renderer_class, media_type)
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    first, again = Client().get(URL, **headers), Client().get(URL, **headers)
    assert first.status_code == again.status_code == 200
    assert first.content == again.content and first["Content-Type"] == again["Content-Type"]


def test_a_refusal_is_not_remembered():
    with pytest.raises(NotAcceptable):
        _drf_own("text/csv")
    for _ in range(2):
        refused = Client().get(URL, HTTP_ACCEPT="text/csv")
        assert refused.status_code == 406
    # ?format= is part of the choice: an unknown one is a 404, json is served.
    assert Client().get(URL + "?format=json").status_code == 200
    assert Client().get(URL + "?format=xml").status_code == 404
    assert Client().get(URL).status_code == 200


def test_bounded_whatever_the_clients_send():
    for n in range(views.NEGOTIATED_MAX + 50):
        Client().get(URL, HTTP_ACCEPT=f"application/json; x={n}")
    assert len(views.NEGOTIATED) <= views.NEGOTIATED_MAX
