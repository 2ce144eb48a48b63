"""A listing on an island keeps its commune when its address says so (issue #18, borders).

The coast's tolerance grows from 250 m to 1 km when the address's postcode is the nearest
commune's (territory/managers.py); listings saved by merchants and the model pass their
postcode too, not only the importers.
"""

from __future__ import annotations

import pytest

from geo_directory.territory.managers import OutsideRegion
from tests.factories import make_listing, make_merchant, make_own_listing

from .helpers import form_data

pytestmark = pytest.mark.django_db

TIBOULEN = (5.2870, 43.2836)  # Tiboulen de Ratonneau, a Frioul islet 0.5 km off the coast


def test_a_listing_on_an_islet_with_a_marseille_postcode_is_in_marseille():
    business = make_listing("Cabanon du Frioul", *TIBOULEN, postcode="13007")
    assert business.commune_id == "13055"


def test_without_an_agreeing_postcode_the_islet_is_outside():
    with pytest.raises(OutsideRegion):
        make_listing("Cabanon du Frioul", *TIBOULEN)
    with pytest.raises(OutsideRegion):
        make_listing("Cabanon du Frioul", *TIBOULEN, postcode="83400")


@pytest.mark.parametrize(("postcode", "accepted"), [("13007", True), ("83400", False)])
def test_the_merchant_form_weighs_the_address_postcode(client, postcode, accepted):
    user = make_merchant("ilot@example.fr")
    business = make_own_listing(user)
    client.force_login(user)
    lon, lat = TIBOULEN
    data = form_data(lon=str(lon), lat=str(lat), postcode=postcode)
    response = client.post(f"/espace/commerces/{business.pk}/", data)
    page = response.content.decode() if response.status_code == 200 else ""
    assert ("hors de la Région Sud" not in page) is accepted
    if accepted:
        assert response.status_code == 302
        business.refresh_from_db()
        assert business.commune_id == "13055"
        assert business.location.x == pytest.approx(lon)
