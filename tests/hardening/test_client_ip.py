"""The client's address behind a reverse proxy (settings.TRUSTED_PROXIES, issue #14).

Behind a proxy every request came from the proxy's address: one rate-limit bucket for the
whole town. ``ratelimits.client_ip`` now believes X-Forwarded-For only when the peer is a
trusted proxy, and then takes the right-most address no trusted proxy wrote; from anyone
else the header is ignored, so a client cannot get a fresh address per request.
"""

import ipaddress

import pytest
from django.test import RequestFactory

from geo_directory.ratelimits import client_ip

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rate_window")]


def _nets(*items):
    return [ipaddress.ip_network(item, strict=False) for item in items]


def _request(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        # Through the trusted proxy: the address it appended.
        ("10.0.0.5", "203.0.113.7", "203.0.113.7"),
        # The client wrote its own header: only the proxy's last word counts.
        ("10.0.0.5", "1.2.3.4, 203.0.113.7", "203.0.113.7"),
        # Two trusted hops (a load balancer then nginx): skipped from the right.
        ("10.0.0.5", "6.6.6.6, 203.0.113.7, 10.0.0.9", "203.0.113.7"),
        ("10.0.0.5", "2001:db8::1", "2001:db8::1"),
        # No header, or only proxies: the proxy itself.
        ("10.0.0.5", None, "10.0.0.5"),
        ("10.0.0.5", "10.0.0.8", "10.0.0.5"),
        ("10.0.0.5", "not-an-address", "10.0.0.5"),
        # Not a trusted peer: the header is ignored, whatever it says.
        ("198.51.100.20", "203.0.113.7", "198.51.100.20"),
        ("198.51.100.20", "10.0.0.9", "198.51.100.20"),
    ],
)
def test_client_ip_behind_trusted_proxies(settings, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = _nets("10.0.0.0/8", "127.0.0.1")
    assert client_ip(_request(remote, forwarded)) == expected


def test_without_trusted_proxies_the_header_is_never_read(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(_request("127.0.0.1", "203.0.113.7")) == "127.0.0.1"


def _login_attempts(client, forwarded_for, n):
    statuses = []
    for i in range(n):
        response = client.post(
            "/compte/connexion/",
            {"username": f"nobody{i}@example.fr", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=forwarded_for(i),
        )
        statuses.append(response.status_code)
    return statuses


def test_a_spoofed_header_does_not_escape_the_rate_limit(client, settings):
    settings.TRUSTED_PROXIES = []
    settings.RATE_LIMITS = {"login": {"ip": (3, 300), "account": None}}
    statuses = _login_attempts(client, lambda i: f"198.51.100.{i}", 5)
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429]


def test_behind_the_proxy_each_client_has_its_own_bucket(client, settings):
    # The test client's peer is 127.0.0.1: here, the trusted proxy.
    settings.TRUSTED_PROXIES = _nets("127.0.0.1")
    settings.RATE_LIMITS = {"login": {"ip": (3, 300), "account": None}}
    # One client behind the proxy, forging a new left-most address each time: limited.
    statuses = _login_attempts(client, lambda i: f"6.6.6.{i}, 203.0.113.50", 5)
    assert statuses[3:] == [429, 429]
    # Another resident behind the same proxy is not blocked by the first one.
    assert _login_attempts(client, lambda i: "203.0.113.51", 1) == [200]
