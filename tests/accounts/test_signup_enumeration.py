"""Sign-up never says whether an account exists (issue #14: account enumeration).

It answered « Un compte existe déjà avec cette adresse e-mail. » to anyone typing a
merchant's address. Now an existing address gets exactly the page a new one gets; the
owner of the mailbox is told by e-mail instead, and nothing of the account changes.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.factories import make_merchant

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rate_window")]

PASSWORD = "Pompe-a-huile-2026!"


def _signup(client, email):
    return client.post(
        reverse("accounts:signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD},
    )


def _page(response, email) -> str:
    """The page, with the address typed (shown back to the visitor) and the CSRF token
    masked: what remains must not differ between a new and an existing address."""
    text = response.content.decode().replace(email, "ADDRESS")
    return re.sub(r'value="[^"]{32,}"', 'value="TOKEN"', text)


def test_an_existing_address_gets_the_same_answer_and_its_owner_an_email(client, mailoutbox):
    owner = make_merchant("deja@example.fr")
    password_hash = owner.password

    new = _signup(client, "nouveau@example.fr")
    existing = _signup(client, "deja@example.fr")

    assert new.status_code == existing.status_code == 200
    assert _page(new, "nouveau@example.fr") == _page(existing, "deja@example.fr")
    assert "existe" not in existing.content.decode()

    assert [m.to for m in mailoutbox] == [["nouveau@example.fr"], ["deja@example.fr"]]
    told = mailoutbox[1]
    assert "existe déjà" in told.subject
    assert "/compte/mot-de-passe/oubli/" in told.body
    owner.refresh_from_db()
    assert owner.password == password_hash and owner.is_active
    assert get_user_model().objects.filter(username__iexact="deja@example.fr").count() == 1


def test_an_unconfirmed_owner_gets_a_new_activation_link(client, mailoutbox):
    user = make_merchant("pas-active@example.fr")
    user.is_active = False
    user.save()
    _signup(client, "PAS-ACTIVE@example.fr")
    assert "/compte/confirmer/" in mailoutbox[-1].body
    link = re.search(r"https?://[^/\s]+(/compte/confirmer/\S+)", mailoutbox[-1].body).group(1)
    client.get(link)
    user.refresh_from_db()
    assert user.is_active
