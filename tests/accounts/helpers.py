import re

from geo_directory.businesses.validators import luhn_valid


def luhn_complete(digits: str) -> str:
    """``digits`` plus the Luhn check digit."""
    for last in "0123456789":
        if luhn_valid(digits + last):
            return digits + last
    raise AssertionError


def make_siret(siren8: str = "12345678", nic4: str = "0001") -> str:
    return luhn_complete(luhn_complete(siren8) + nic4)


def confirm_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


def form_data(**overrides) -> dict:
    """A complete edit-form POST for a bakery on La Canebière."""
    from geo_directory.businesses.models import Category

    data = {
        "name": "Boulangerie du Vieux-Port",
        "category": Category.objects.get(slug="boulangerie").pk,  # a leaf: parents are not offered
        "siret": "",
        "street": "2 La Canebière",
        "postcode": "13001",
        "city": "Marseille",
        "phone": "04 91 00 00 00",
        "email": "contact@boulangerie-vieux-port.fr",
        "website": "https://boulangerie-vieux-port.fr",
        "description": "Pain au levain, pompe à l'huile et treize desserts.",
        "hours_0": "",
        "hours_1": "07:00-13:00, 15:30-19:30",
        "hours_2": "07:00-13:00, 15:30-19:30",
        "hours_3": "07:00-13:00, 15:30-19:30",
        "hours_4": "07:00-13:00, 15:30-19:30",
        "hours_5": "07:00-13:00, 15:30-19:30",
        "hours_6": "07:00-12:30",
        "closures": "25/12, 01/01",
        "offers_pickup": "on",
        "delivery_radius_km": "",
        "lon": "",
        "lat": "",
        "pin_precision": "",
        "pin_score": "",
        "delivery_zone_geojson": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
