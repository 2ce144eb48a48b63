"""« Livrez-vous chez moi ? » answered as soon as the door is placed on the checkout map,
with the alternatives: pickup here, or the shops that deliver to that door."""

import pytest

from tests.factories import AIX_MIRABEAU, CANEBIERE, make_business, make_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(shop):
    from tests.factories import set_zone_radius

    set_zone_radius(shop["business"], 2000)
    return shop


def ask(client, business, lon, lat):
    return client.get(f"/commerces/{business.pk}/commande/livraison/", {"point": f"{lon},{lat}"})


def test_inside_the_zone(client, shop):
    data = ask(client, shop["business"], *CANEBIERE).json()
    assert data["delivers"] is True
    assert data["message"] == "Traiteur des Réformés livre à cette adresse."
    assert data["alternatives"] == []


def test_outside_the_zone_offers_pickup_and_the_shops_that_deliver_there(client, shop):
    aix = make_business("Traiteur du cours Mirabeau", lon_lat=AIX_MIRABEAU, radius_m=1500)
    make_campaign(aix, offers_delivery=True)
    closed = make_business("Épicerie sans campagne", lon_lat=AIX_MIRABEAU, radius_m=1500)
    data = ask(client, shop["business"], *AIX_MIRABEAU).json()
    assert data["delivers"] is False
    assert data["message"] == (
        "Cette adresse est hors de la zone de livraison de Traiteur des Réformés."
    )
    assert data["pickup"] is True
    names = [a["name"] for a in data["alternatives"]]
    assert names == ["Traiteur du cours Mirabeau"]  # not the one that takes no orders now
    assert closed.name not in names
    assert data["alternatives"][0]["url"] == f"/commerces/{aix.pk}/commander/"


@pytest.mark.parametrize("point", ["", "abc", "1e300,43", "200,43"])
def test_a_bad_point_is_a_french_400(client, shop, point):
    response = client.get(f"/commerces/{shop['business'].pk}/commande/livraison/", {"point": point})
    assert response.status_code == 400
    assert response.json()["errors"]["point"]
