"""Authorisation matrix: every write endpoint and owner-only page × every role.

Roles: ``anonymous``; ``resident`` (a plain logged-in account, who ordered from the
owner's shop); ``other_merchant`` (owns another shop); ``owner`` (owns the shop);
``moderator`` (staff, group "moderateurs"); ``admin`` (superuser).

Expected outcomes:

- a status code (200, 302, 403, 404, 405);
- ``LOGIN``: 302 to the merchants' login page (``login_required``);
- ``ADMIN_LOGIN``: 302 to the admin's login page (not staff).

Design (see geo_directory/orders/views.py and models.Order.visible_to): an order is shown
only to its resident (account or signed ``?cle=`` link) and to the owner of its shop;
anyone else — staff included — gets a 404 that does not confirm it exists. Staff see
orders only in the Django admin, and only with the orders permissions: the moderators'
group has none (403), the superuser has them all. Owner-only merchant pages answer 404 to
every other account, staff included (moderators act in the admin).

For every write, ``state`` snapshots what the request may change: an allowed write must
change it, a refused one must leave it as it was. Pages that show order data are also
checked for the order number: present for allowed roles only.

The world (users, shops, catalogue, campaign, slot, the resident's order) is built once
per module in a transaction rolled back at its end; each case runs in a savepoint rolled
back after it, so every case starts from the same world.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from geo_directory.accounts.models import ListingClaim
from geo_directory.businesses.models import Business
from geo_directory.orders.models import Campaign, Order, Product, Slot
from geo_directory.orders.services import place_order
from tests.accounts.helpers import form_data, make_siret
from tests.factories import (
    CANEBIERE,
    customer,
    lines,
    make_business,
    make_campaign,
    make_product,
    make_slot,
    make_user,
)

User = get_user_model()
ROLES = ["anonymous", "resident", "other_merchant", "owner", "moderator", "admin"]
LOGIN = "login"
ADMIN_LOGIN = "admin_login"


def _unowned_listing(offset: int) -> Business:
    return (
        Business.objects.published()
        .filter(owner__isnull=True, merged_into__isnull=True)
        .order_by("id")[offset]
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            owner = make_user("owner", first_name="Olivia")
            other_merchant = make_user("other_merchant")
            resident = make_user("resident")
            moderator = make_user("moderator", is_staff=True)
            moderator.groups.add(Group.objects.get(name="moderateurs"))
            admin = make_user("admin", is_staff=True, is_superuser=True)
            business = make_business(owner=owner, radius_m=2000)
            other_business = make_business(name="Autre traiteur", owner=other_merchant)
            other_product = make_product(other_business, name="Bûche concurrente")
            other_slot = make_slot(make_campaign(other_business))
            product = make_product(business, stock=50)
            campaign = make_campaign(business)
            slot = make_slot(campaign, capacity=20)
            order = place_order(
                business, lines((product, 1)), slot.pk, "pickup", customer(user=resident)
            )
            # A listing waiting for moderation, two duplicates, a claim to decide.
            pending = make_business(name="Cave du Panier", owner=owner, lon_lat=CANEBIERE)
            Business.objects.filter(pk=pending.pk).update(status=Business.Status.PENDING)
            dup_a = make_business(name="Fromagerie doublon", lon_lat=CANEBIERE)
            dup_b = make_business(name="Fromagerie doublon", lon_lat=CANEBIERE)
            claimable = _unowned_listing(0)
            Business.objects.filter(pk=claimable.pk).update(siret=make_siret("40448362"))
            claimed = _unowned_listing(1)
            claim = ListingClaim.objects.create(
                user=resident, business=claimed, siret=make_siret("52015283")
            )
            yield SimpleNamespace(
                users={
                    "anonymous": None,
                    "resident": resident,
                    "other_merchant": other_merchant,
                    "owner": owner,
                    "moderator": moderator,
                    "admin": admin,
                },
                business=business,
                other_business=other_business,
                other_product=other_product,
                other_slot=other_slot,
                product=product,
                campaign=campaign,
                slot=slot,
                order=order,
                pending=pending,
                dup_a=dup_a,
                dup_b=dup_b,
                claimable=Business.objects.get(pk=claimable.pk),
                claimed=claimed,
                claim=claim,
            )
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --- the cases -------------------------------------------------------------------------


def _all(outcome) -> dict:
    return dict.fromkeys(ROLES, outcome)


def _logged_in(outcome, anonymous=LOGIN, **overrides) -> dict:
    return {**_all(outcome), "anonymous": anonymous, **overrides}


def _owner_only(allowed=200) -> dict:
    return _logged_in(404, owner=allowed)


def _staff(allowed=200, moderator=None) -> dict:
    expected = _all(ADMIN_LOGIN)
    expected.update(moderator=allowed if moderator is None else moderator, admin=allowed)
    return expected


@dataclass
class Case:
    name: str
    method: str
    url: Callable
    expect: dict
    data: Callable = lambda w, user: {}
    state: Callable | None = None  # snapshot of what the request may change
    changes_for: Callable = lambda expected: expected in (200, 302)
    shows_order: bool = False  # page content: the order number for allowed roles only
    before: Callable | None = None  # e.g. put a product in the session cart
    extra: dict = field(default_factory=dict)


def _status(w):
    return Order.objects.get(pk=w.order.pk).status


def _campaign_form(w, name, slot=None, with_slot=None):
    slot = slot or w.slot
    data = {
        "name": name,
        "description": "",
        "cutoff_at": "2026-12-22T18:00",
        "offers_pickup": "on",
        "offers_delivery": "on",
        "active": "on",
        "slots-TOTAL_FORMS": "0",
        "slots-INITIAL_FORMS": "0",
        "slots-MIN_NUM_FORMS": "0",
        "slots-MAX_NUM_FORMS": "1000",
    }
    if with_slot:
        data.update(
            {
                "slots-TOTAL_FORMS": "1",
                "slots-INITIAL_FORMS": "1",
                "slots-0-id": str(slot.pk),
                "slots-0-kind": slot.kind,
                "slots-0-starts_at": "2026-12-24T10:00",
                "slots-0-ends_at": "2026-12-24T12:00",
                "slots-0-capacity": str(with_slot),
            }
        )
    return data


def _product_form(name):
    return {
        "name": name,
        "description": "",
        "price": "12,50",
        "vat_rate": "10.00",
        "available": "on",
        "stock": "50",
        "initial-stock": "50",
    }


def _add_to_cart(client, w):
    client.post(f"/commerces/{w.business.pk}/commander/", {"product": w.product.pk, "quantity": 1})


def _checkout_form(w, user):
    return {
        "fulfilment": "pickup",
        "slot": w.slot.pk,
        "customer_name": "Client du matrice",
        "email": user.email if user else "invite@example.fr",
        "phone": "06 11 22 33 44",
        "note": "",
    }


def _listing_form(name, point=(5.3800, 43.2973)):
    return form_data(name=name, lon=str(point[0]), lat=str(point[1]), pin_precision="manual")


def _admin_action(model_url, action, ids, **extra):
    def data(w, user):
        return {"action": action, "_selected_action": [i(w) for i in ids], **extra}

    return data


OWNED_PAGE = _owner_only(200)
CASES: list[Case] = [
    # --- accounts: sign-up, login, password reset, logout (public forms) ------------------
    Case(
        "signup",
        "POST",
        lambda w: "/compte/inscription/",
        _all(200),  # the "check your e-mail" page, for anyone
        data=lambda w, user: {
            "email": "nouveau.commercant@example.fr",
            "password1": "Noel-2026-Marseille!",
            "password2": "Noel-2026-Marseille!",
        },
        state=lambda w: User.objects.filter(username="nouveau.commercant@example.fr").count(),
    ),
    Case(
        "login (wrong password)",
        "POST",
        lambda w: "/compte/connexion/",
        _all(200),  # the form again, with its error
        data=lambda w, user: {"username": "owner@example.fr", "password": "faux"},
    ),
    Case(
        "password reset request",
        "POST",
        lambda w: "/compte/mot-de-passe/oubli/",
        _all(302),  # to "e-mail sent", whether the address exists or not
        data=lambda w, user: {"email": "owner@example.fr"},
    ),
    Case("logout", "POST", lambda w: "/compte/deconnexion/", _all(302)),
    # --- merchant space: listings and claims ----------------------------------------------
    Case("dashboard", "GET", lambda w: "/espace/", _logged_in(200)),
    Case("listing create page", "GET", lambda w: "/espace/commerces/nouveau/", _logged_in(200)),
    Case(
        "listing create",
        "POST",
        lambda w: "/espace/commerces/nouveau/",
        _logged_in(302),  # any account may list its own shop (it goes to moderation)
        data=lambda w, user: _listing_form("Épicerie de la matrice"),
        state=lambda w: Business.objects.filter(name="Épicerie de la matrice").count(),
    ),
    Case("listing edit page", "GET", lambda w: f"/espace/commerces/{w.business.pk}/", OWNED_PAGE),
    Case(
        "listing edit",
        "POST",
        lambda w: f"/espace/commerces/{w.business.pk}/",
        _owner_only(302),
        data=lambda w, user: _listing_form("Traiteur renommé", point=(5.381044, 43.302321)),
        # A published listing's new name waits in its pending revision (issue #16).
        state=lambda w: list(w.business.revisions.values_list("proposed", flat=True)),
    ),
    Case("claim page", "GET", lambda w: "/espace/revendiquer/", _logged_in(200)),
    Case(
        "claim a listing by SIRET",
        "POST",
        lambda w: "/espace/revendiquer/",
        _logged_in(302),
        data=lambda w, user: {"siret": w.claimable.siret, "message": "C'est ma boutique."},
        state=lambda w: ListingClaim.objects.filter(business=w.claimable).count(),
    ),
    # --- residents: cart, checkout, their order --------------------------------------------
    Case(
        "add to cart",
        "POST",
        lambda w: f"/commerces/{w.business.pk}/commander/",
        _all(302),
        data=lambda w, user: {"product": w.product.pk, "quantity": 2},
    ),
    Case(
        "update cart",
        "POST",
        lambda w: f"/commerces/{w.business.pk}/panier/",
        _all(302),
        data=lambda w, user: {f"qty_{w.product.pk}": 3},
        before=_add_to_cart,
    ),
    Case(
        "checkout",
        "POST",
        lambda w: f"/commerces/{w.business.pk}/commande/",
        _all(302),  # guests order too (e-mail + phone)
        data=lambda w, user: _checkout_form(w, user),
        state=lambda w: Order.objects.filter(business=w.business).count(),
        before=_add_to_cart,
    ),
    Case(
        "order page",
        "GET",
        lambda w: f"/commandes/{w.order.number}/",
        {**_all(404), "resident": 200, "owner": 200},
        shows_order=True,
    ),
    Case(
        "order page with its signed link",
        "GET",
        lambda w: f"/commandes/{w.order.number}/?cle={w.order.issued_access_token}",
        _all(200),
        shows_order=True,
    ),
    Case(
        "order page with a forged link",
        "GET",
        lambda w: f"/commandes/{w.order.number}/?cle=forged",
        {**_all(404), "resident": 200, "owner": 200},
    ),
    Case(
        "order cancel",
        "POST",
        lambda w: f"/commandes/{w.order.number}/annuler/",
        {**_all(404), "resident": 302},  # the merchant refuses, he does not cancel
        state=_status,
    ),
    Case(
        "order cancel with its signed link",
        "POST",
        lambda w: f"/commandes/{w.order.number}/annuler/",
        _all(302),
        data=lambda w, user: {"cle": w.order.issued_access_token},
        state=_status,
    ),
    Case(
        "my orders",
        "GET",
        lambda w: "/mes-commandes/",
        # A visitor gets the form asking for a sign-in link, not the merchants' login.
        _all(200),
        shows_order=True,
        changes_for=lambda expected: False,
        extra={"order_visible_to": {"resident"}},
    ),
    # --- merchant: orders ------------------------------------------------------------------
    Case(
        "merchant home",
        "GET",
        lambda w: "/commercant/commandes/",
        # The list of one's shops (the owner has two); a single shop: straight to its orders.
        _logged_in(200, other_merchant=302),
    ),
    Case(
        "merchant dashboard",
        "GET",
        lambda w: f"/commercant/commerces/{w.business.pk}/commandes/",
        OWNED_PAGE,
        shows_order=True,
    ),
    Case(
        "order status (accept)",
        "POST",
        lambda w: f"/commercant/commandes/{w.order.number}/statut/",
        _owner_only(302),
        data=lambda w, user: {"status": "accepted", "note": ""},
        state=_status,
    ),
    Case(
        "order status (refuse)",
        "POST",
        lambda w: f"/commercant/commandes/{w.order.number}/statut/",
        _owner_only(302),
        data=lambda w, user: {"status": "refused", "note": "Plus de chapon."},
        state=_status,
    ),
    Case(
        "preparation list",
        "GET",
        lambda w: f"/commercant/creneaux/{w.slot.pk}/preparation/",
        OWNED_PAGE,
        shows_order=True,
    ),
    Case(
        "preparation CSV",
        "GET",
        lambda w: f"/commercant/creneaux/{w.slot.pk}/preparation.csv",
        OWNED_PAGE,
        shows_order=True,
    ),
    # --- merchant: catalogue and campaigns ---------------------------------------------------
    Case(
        "catalogue admin",
        "GET",
        lambda w: f"/commercant/commerces/{w.business.pk}/catalogue/",
        OWNED_PAGE,
    ),
    Case(
        "product new page",
        "GET",
        lambda w: f"/commercant/commerces/{w.business.pk}/produits/nouveau/",
        OWNED_PAGE,
    ),
    Case(
        "product new",
        "POST",
        lambda w: f"/commercant/commerces/{w.business.pk}/produits/nouveau/",
        _owner_only(302),
        data=lambda w, user: _product_form("Pompe à l'huile"),
        state=lambda w: Product.objects.filter(business=w.business).count(),
    ),
    Case(
        "product edit page",
        "GET",
        lambda w: f"/commercant/commerces/{w.business.pk}/produits/{w.product.pk}/",
        OWNED_PAGE,
    ),
    Case(
        "product edit",
        "POST",
        lambda w: f"/commercant/commerces/{w.business.pk}/produits/{w.product.pk}/",
        _owner_only(302),
        data=lambda w, user: _product_form("Menu renommé"),
        state=lambda w: Product.objects.get(pk=w.product.pk).name,
    ),
    Case(
        # Object level: a shop's id the user owns (other_merchant's), another shop's product.
        "product edit through one's own shop",
        "POST",
        lambda w: f"/commercant/commerces/{w.other_business.pk}/produits/{w.product.pk}/",
        _logged_in(404),
        data=lambda w, user: _product_form("Détourné"),
        state=lambda w: Product.objects.get(pk=w.product.pk).name,
    ),
    Case(
        "campaign new page",
        "GET",
        lambda w: f"/commercant/commerces/{w.business.pk}/campagnes/nouvelle/",
        OWNED_PAGE,
    ),
    Case(
        "campaign new",
        "POST",
        lambda w: f"/commercant/commerces/{w.business.pk}/campagnes/nouvelle/",
        _owner_only(302),
        data=lambda w, user: _campaign_form(w, "Nouvel An 2027"),
        state=lambda w: Campaign.objects.filter(business=w.business).count(),
    ),
    Case(
        "campaign edit page",
        "GET",
        lambda w: f"/commercant/commerces/{w.business.pk}/campagnes/{w.campaign.pk}/",
        OWNED_PAGE,
    ),
    Case(
        "campaign and slot edit",
        "POST",
        lambda w: f"/commercant/commerces/{w.business.pk}/campagnes/{w.campaign.pk}/",
        _owner_only(302),
        data=lambda w, user: _campaign_form(w, "Réveillon renommé", with_slot=15),
        state=lambda w: (
            Campaign.objects.get(pk=w.campaign.pk).name,
            Slot.objects.get(pk=w.slot.pk).capacity,
        ),
    ),
    Case(
        # Object level: the owner's own campaign form, another shop's slot id in the formset.
        "slot of another shop through one's own campaign",
        "POST",
        lambda w: f"/commercant/commerces/{w.business.pk}/campagnes/{w.campaign.pk}/",
        # The owner's form is saved, but the unknown id makes a new slot of the owner's own
        # campaign (Django's inline formset): the other shop's slot is never touched.
        _owner_only(302),
        data=lambda w, user: _campaign_form(w, "Réveillon", slot=w.other_slot, with_slot=1),
        state=lambda w: Slot.objects.filter(pk=w.other_slot.pk).values_list().get(),
        changes_for=lambda expected: False,
    ),
    # --- admin moderation ------------------------------------------------------------------
    Case(
        "admin: listings",
        "GET",
        lambda w: "/admin/businesses/business/",
        _staff(200),
    ),
    Case(
        "admin: publish a listing",
        "POST",
        lambda w: "/admin/businesses/business/",
        _staff(302),
        data=_admin_action("business", "approve_selected", [lambda w: w.pending.pk]),
        state=lambda w: Business.objects.get(pk=w.pending.pk).status,
    ),
    Case(
        "admin: reject a listing",
        "POST",
        lambda w: "/admin/businesses/business/",
        _staff(302),
        data=_admin_action(
            "business",
            "reject_selected",
            [lambda w: w.pending.pk],
            reason="Adresse incomplète : précisez le numéro.",
        ),
        state=lambda w: Business.objects.get(pk=w.pending.pk).status,
    ),
    Case(
        "admin: merge duplicates",
        "POST",
        lambda w: "/admin/businesses/business/",
        _staff(302),
        data=_admin_action(
            "business", "merge_selected", [lambda w: w.dup_a.pk, lambda w: w.dup_b.pk]
        ),
        state=lambda w: Business.objects.filter(
            pk__in=[w.dup_a.pk, w.dup_b.pk], merged_into__isnull=False
        ).count(),
    ),
    Case(
        "admin: likely duplicates page",
        "GET",
        lambda w: "/admin/businesses/business/doublons/",
        _staff(200),
    ),
    Case(
        "admin: approve a claim",
        "POST",
        lambda w: "/admin/accounts/listingclaim/",
        _staff(302),
        data=_admin_action("listingclaim", "approve", [lambda w: w.claim.pk]),
        state=lambda w: (
            ListingClaim.objects.get(pk=w.claim.pk).status,
            Business.objects.get(pk=w.claimed.pk).owner_id,
        ),
    ),
    Case(
        "admin: reject a claim",
        "POST",
        lambda w: "/admin/accounts/listingclaim/",
        _staff(302),
        data=_admin_action(
            "listingclaim", "reject", [lambda w: w.claim.pk], reason="SIRET d'un autre site."
        ),
        state=lambda w: ListingClaim.objects.get(pk=w.claim.pk).status,
    ),
    Case(
        "admin: orders list",
        "GET",
        lambda w: "/admin/orders/order/",
        _staff(200, moderator=403),  # moderators never see order data
    ),
    Case(
        "admin: an order",
        "GET",
        lambda w: f"/admin/orders/order/{w.order.pk}/change/",
        _staff(200, moderator=403),
    ),
    Case(
        "admin: delete an order",
        "POST",
        lambda w: f"/admin/orders/order/{w.order.pk}/delete/",
        _staff(302, moderator=403),
        data=lambda w, user: {"post": "yes"},
        state=lambda w: Order.objects.filter(pk=w.order.pk).count(),
    ),
    Case(
        "admin: accounts",
        "GET",
        lambda w: "/admin/auth/user/",
        _staff(200, moderator=403),  # no privilege escalation through the admin
    ),
    # --- read-only API and geocoding ---------------------------------------------------------
    Case(
        "API write attempt",
        "POST",
        lambda w: "/api/v1/businesses/",
        _all(405),
        data=lambda w, user: {"name": "Fausse fiche"},
        state=lambda w: Business.objects.count(),
    ),
    Case(
        "API detail write attempt",
        "PUT",
        lambda w: f"/api/v1/businesses/{w.business.pk}/",
        _all(405),
        state=lambda w: Business.objects.get(pk=w.business.pk).name,
    ),
    Case("geocoding POST", "POST", lambda w: "/geocodage/", _all(405)),
]

MATRIX = [(case, role) for case in CASES for role in ROLES]
N_CASES = len(MATRIX)


def test_matrix_covers_every_role_of_every_case():
    assert all(set(case.expect) == set(ROLES) for case in CASES)
    assert len({case.name for case in CASES}) == len(CASES)
    print(f"\nauthorisation matrix: {len(CASES)} endpoints × {len(ROLES)} roles = {N_CASES}")
    assert N_CASES == len(CASES) * len(ROLES) >= 300


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "role"), MATRIX, ids=[f"{case.name}-{role}" for case, role in MATRIX]
)
def test_authorization(client, world, case, role, mailoutbox):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    if case.before:
        case.before(client, world)
    before = case.state(world) if case.state else None
    url = case.url(world)
    data = case.data(world, user)
    if case.method == "GET":
        response = client.get(url)
    elif case.method == "POST":
        response = client.post(url, data)
    else:
        response = client.generic(case.method, url, "", content_type="application/json")

    expected = case.expect[role]
    if expected == LOGIN:
        assert response.status_code == 302, response.status_code
        assert response.url.startswith("/compte/connexion/?next="), response.url
    elif expected == ADMIN_LOGIN:
        assert response.status_code == 302, response.status_code
        assert response.url.startswith("/admin/login/?next="), response.url
    else:
        assert response.status_code == expected, (response.status_code, url)

    if case.state:
        after = case.state(world)
        if case.changes_for(expected):
            assert after != before, f"{case.name} by {role}: allowed, yet nothing changed"
        else:
            assert after == before, f"{case.name} by {role}: refused, yet {before} → {after}"

    if case.shows_order:
        content = response.content.decode("utf-8", "replace")
        visible = case.extra.get("order_visible_to")
        allowed = role in visible if visible else expected == 200
        assert (world.order.number in content) == allowed, f"{case.name} by {role}"
        if not allowed:
            assert world.order.phone not in content and world.order.email not in content
