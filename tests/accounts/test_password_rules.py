"""Django's password validators, at least 10 characters, on sign-up and on reset, with
French messages."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.accounts.helpers import confirm_link
from tests.factories import make_merchant

pytestmark = pytest.mark.django_db

TOO_SHORT = "Ce mot de passe est trop court. Il doit contenir au minimum 10 caractères."


def _signup(client, password, email="fournil@example.fr"):
    return client.post(
        reverse("accounts:signup"),
        {"email": email, "password1": password, "password2": password},
    )


def test_signup_refuses_noel2026_in_french(client):
    response = _signup(client, "noel2026")
    assert response.status_code == 200
    errors = response.context["form"].errors["password1"]
    assert TOO_SHORT in errors
    assert not get_user_model().objects.filter(username="fournil@example.fr").exists()


@pytest.mark.parametrize(
    "password,message",
    [
        ("1234567890123", "Ce mot de passe est entièrement numérique."),
        ("motdepasse", "Ce mot de passe est trop courant."),
        ("fournil@example.fr", "Le mot de passe est trop semblable au champ"),
    ],
)
def test_signup_other_validators_in_french(client, password, message):
    errors = _signup(client, password).context["form"].errors["password1"]
    assert any(message in error for error in errors), errors


def test_signup_accepts_a_long_enough_password(client):
    response = _signup(client, "Pompe-a-huile-13")
    assert "form" not in response.context  # the « check your mailbox » page
    assert get_user_model().objects.filter(username="fournil@example.fr").exists()


def test_password_reset_refuses_noel2026(client, mailoutbox):
    merchant = make_merchant("primeur@example.fr", "Clementines-84!")
    client.post(reverse("accounts:password_reset"), {"email": "primeur@example.fr"})
    response = client.get(confirm_link(mailoutbox[-1]), follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "noel2026", "new_password2": "noel2026"})
    assert response.status_code == 200
    assert TOO_SHORT in response.content.decode()
    merchant.refresh_from_db()
    assert merchant.check_password("Clementines-84!")
