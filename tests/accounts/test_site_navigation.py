"""One site header on every page, one merchant navigation on every merchant page, and the
listing form's categories: leaves only, grouped by parent (real PostGIS, Django's client)."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from geo_directory.businesses.models import Category
from geo_directory.orders.services import place_order
from geo_directory.territory.models import Commune
from tests.accounts.helpers import form_data
from tests.factories import customer, lines, make_merchant, make_shop, make_user

pytestmark = pytest.mark.django_db


class Links(HTMLParser):
    """The links and buttons inside the first element whose class has ``css_class``:
    ``[(text, href or form action)]``; ``found`` tells whether that element exists."""

    def __init__(self, html: str, css_class: str):
        super().__init__()
        self.css_class, self.depth, self.found = css_class, 0, False
        self.items, self._current, self._action = [], None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.depth:
            self.depth += tag not in ("input", "meta", "link", "br", "img")
            if tag == "form":
                self._action = (attrs.get("method"), attrs.get("action"))
            if tag == "a":
                self._current = ["", attrs.get("href")]
            if tag == "button":
                self._current = ["", self._action]
        elif not self.found and self.css_class in (attrs.get("class") or "").split():
            self.depth, self.found = 1, True

    def handle_endtag(self, tag):
        if not self.depth:
            return
        if tag in ("a", "button") and self._current is not None:
            self.items.append((" ".join(self._current[0].split()), self._current[1]))
            self._current = None
        self.depth -= 1

    def handle_data(self, data):
        if self._current is not None:
            self._current[0] += data


def header(html: str) -> list:
    links = Links(html, "sn-nav")
    assert links.found, "no site header"
    return links.items


def merchant_nav(html: str) -> Links:
    return Links(html, "merchant-nav")


SIGNUP, LOGIN, DASHBOARD = "/compte/inscription/", "/compte/connexion/", "/espace/"
LOGOUT = ("Se déconnecter", ("post", "/compte/deconnexion/"))


@pytest.fixture
def shop():
    shop = make_shop(make_merchant("traiteur-nav@example.fr"))
    shop["order"] = place_order(
        shop["business"], lines((shop["menu"], 1)), shop["slot"].pk, "pickup", customer()
    )
    return shop


def _public_pages(shop) -> list[str]:
    commune = Commune.objects.order_by("code").first()
    return [
        "/",
        f"/communes/{commune.code}/",
        reverse("orders:catalogue", args=[shop["business"].pk]),
        reverse("orders:delivery_finder"),
        LOGIN,
        SIGNUP,
        reverse("accounts:password_reset"),
    ]


def test_a_visitor_finds_the_same_header_on_every_page(client, shop):
    expected = [
        ("Inscrire mon commerce", SIGNUP),
        ("Espace commerçant", LOGIN),
        ("Mes commandes", "/mes-commandes/"),
    ]
    for url in _public_pages(shop):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert header(html) == expected, url
        assert not merchant_nav(html).found, url
    # The error pages read no session: their « Espace commerçant » is the dashboard,
    # which sends a visitor to the login page.
    html = client.get("/cette-page-n-existe-pas/").content.decode()
    assert header(html) == [
        ("Inscrire mon commerce", SIGNUP),
        ("Espace commerçant", DASHBOARD),
        ("Mes commandes", "/mes-commandes/"),
    ]
    assert client.get(DASHBOARD)["Location"].startswith(LOGIN)


def test_a_logged_in_merchant_finds_the_same_header_with_logout_on_every_page(client, shop):
    client.force_login(shop["merchant"])
    create = reverse("accounts:create")
    for url in _public_pages(shop)[:4] + ["/mes-commandes/"]:
        items = header(client.get(url).content.decode())
        assert items[:2] == [("Inscrire mon commerce", create), ("Espace commerçant", DASHBOARD)]
        assert ("Mes commandes", "/mes-commandes/") in items, url
        assert items[-1] == LOGOUT, url
        # Off the merchant space, the header tells a merchant about new orders.
        assert ("Commandes (1 nouvelle)", "/commercant/commandes/") in items, url


def _merchant_pages(shop) -> dict[str, str]:
    pk, campaign = shop["business"].pk, shop["campaign"].pk
    return {
        "dashboard": DASHBOARD,
        "create": reverse("accounts:create"),
        "edit": reverse("accounts:edit", args=[pk]),
        "photos": reverse("photos:manage", args=[pk]),
        "catalogue": reverse("orders:catalogue_admin", args=[pk]),
        "product": reverse("orders:product_new", args=[pk]),
        "campaign": reverse("orders:campaign_edit", args=[pk, campaign]),
        "orders": reverse("orders:merchant_dashboard", args=[pk]),
        "preparation": reverse("orders:preparation", args=[shop["slot"].pk]),
        "order": reverse("orders:order_detail", args=[shop["order"].number]),
    }


def test_every_merchant_page_has_the_one_merchant_navigation(client, shop):
    client.force_login(shop["merchant"])
    pk = shop["business"].pk
    expected = [
        ("Mes commerces", DASHBOARD),
        ("Commandes (1 nouvelle)", "/commercant/commandes/"),
        ("Horaires", f"/espace/commerces/{pk}/#horaires"),
        ("Photos", f"/espace/commerces/{pk}/photos/"),
        ("Catalogue", f"/commercant/commerces/{pk}/catalogue/"),
        ("Campagnes et créneaux", f"/commercant/commerces/{pk}/catalogue/#campagnes"),
        ("Mon compte", "/espace/#compte"),
        ("Déconnexion", ("post", "/compte/deconnexion/")),
    ]
    for name, url in _merchant_pages(shop).items():
        response = client.get(url)
        assert response.status_code == 200, name
        html = response.content.decode()
        nav = merchant_nav(html)
        assert nav.found and nav.items == expected, name
        assert header(html)[-1] == LOGOUT, name
        # The count is in the merchant navigation here, not twice.
        assert not [text for text, _ in header(html) if text.startswith("Commandes (")], name
    # The shop's public pages and the resident's orders are not the merchant space.
    for url in _public_pages(shop)[:3] + ["/mes-commandes/"]:
        assert not merchant_nav(client.get(url).content.decode()).found, url


def test_the_order_page_has_the_merchant_navigation_for_its_merchant_only(client, shop):
    url = _merchant_pages(shop)["order"]
    client.force_login(shop["merchant"])
    nav = merchant_nav(client.get(url).content.decode())
    assert nav.found and ("Mes commerces", DASHBOARD) in nav.items
    resident = make_user("resident-nav")
    shop["order"].user = resident
    shop["order"].save(update_fields=["user"])
    client.force_login(resident)
    assert not merchant_nav(client.get(url).content.decode()).found


def test_a_merchant_with_several_listings_gets_each_listings_links_on_the_dashboard(client):
    merchant = make_merchant("deux-boutiques@example.fr")
    first = make_shop(merchant, name="Épicerie du Panier")["business"]
    second = make_shop(merchant, name="Cave du Panier")["business"]
    client.force_login(merchant)
    html = client.get(DASHBOARD).content.decode()
    nav = merchant_nav(html)
    # No listing in view: the per-listing links are on the dashboard's cards.
    assert [text for text, _ in nav.items] == [
        "Mes commerces",
        "Commandes (0 nouvelle)",
        "Mon compte",
        "Déconnexion",
    ]
    for business in (first, second):
        card = Links(html.split(f"<h3>{business.name}</h3>", 1)[1], "listing-links")
        assert card.items == [
            ("Modifier la fiche", f"/espace/commerces/{business.pk}/"),
            ("Horaires", f"/espace/commerces/{business.pk}/#horaires"),
            ("Photos", f"/espace/commerces/{business.pk}/photos/"),
            ("Catalogue", f"/commercant/commerces/{business.pk}/catalogue/"),
            ("Campagnes et créneaux", f"/commercant/commerces/{business.pk}/catalogue/#campagnes"),
            ("Commandes reçues", f"/commercant/commerces/{business.pk}/commandes/"),
            ("Voir la page publique", business.get_absolute_url()),
        ]
    # A page about one of them: the navigation's links are that listing's.
    html = client.get(reverse("photos:manage", args=[second.pk])).content.decode()
    assert ("Catalogue", f"/commercant/commerces/{second.pk}/catalogue/") in (
        merchant_nav(html).items
    )
    assert "Commerce : <strong>Cave du Panier</strong>" in html


class Select(HTMLParser):
    """The <optgroup> labels and <option>s of ``<select name=...>``."""

    def __init__(self, html: str, name: str):
        super().__init__()
        self.name, self.inside, self.group = name, False, None
        self.groups, self.options = {}, []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select" and attrs.get("name") == self.name:
            self.inside = True
        elif self.inside and tag == "optgroup":
            self.group = attrs["label"]
            self.groups[self.group] = []
        elif self.inside and tag == "option":
            self.options.append((self.group, attrs["value"]))
            if self.group is not None:
                self.groups[self.group].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self.inside = False
        elif tag == "optgroup":
            self.group = None


def test_the_listing_form_offers_leaf_categories_grouped_by_parent(client):
    client.force_login(make_merchant("categories@example.fr"))
    html = client.get(reverse("accounts:create")).content.decode()
    select = Select(html, "category")
    parents = Category.objects.filter(parent__isnull=True, children__isnull=False).distinct()
    assert list(select.groups) == [p.label for p in parents.order_by("position", "label")]
    for parent in parents:
        leaves = {str(pk) for pk in parent.children.values_list("pk", flat=True)}
        assert set(select.groups[parent.label]) == leaves, parent.label
    # Nothing outside a group but the empty choice, and no parent is selectable.
    assert [value for group, value in select.options if group is None] == [""]
    assert not {str(p.pk) for p in parents} & {value for _, value in select.options}
    assert "— Choisissez la catégorie —" in html


def test_a_parent_category_is_refused_with_a_french_error(client, fake_ban):
    client.force_login(make_merchant("famille@example.fr"))
    parent = Category.objects.get(slug="alimentation")
    response = client.post(reverse("accounts:create"), form_data(category=parent.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "une activité précise (par exemple Boulangerie-pâtisserie), pas une famille" in html
    response = client.post(reverse("accounts:create"), form_data(category=""))
    assert "Choisissez la catégorie de votre commerce." in response.content.decode()
    leaf = Category.objects.get(slug="boulangerie")
    response = client.post(reverse("accounts:create"), form_data(category=leaf.pk))
    assert response.status_code == 302


def test_the_dashboard_links_to_catalogue_orders_and_account(client, shop):
    client.force_login(shop["merchant"])
    html = client.get(DASHBOARD).content.decode()
    pk = shop["business"].pk
    assert f'href="/commercant/commerces/{pk}/catalogue/"' in html
    assert f'href="/commercant/commerces/{pk}/commandes/"' in html
    assert 'id="compte"' in html and "traiteur-nav@example.fr" in html
