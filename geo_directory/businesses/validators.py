"""SIRET validation: 14 digits, Luhn key (La Poste's establishments by digit sum)."""

from django.core.exceptions import ValidationError

LA_POSTE_SIREN = "356000000"


# Each digit replaced by the digit sum of its double (2 × d, minus 9 when above 9).
_DOUBLED = str.maketrans("0123456789", "0246813579")


def luhn_valid(digits: str) -> bool:
    """Luhn checksum (from the right, every second digit doubled).

    The importers check millions of SIRETs: ``str.translate`` doubles, ``sum`` over the
    ASCII bytes adds (minus 48 per digit), both at C speed, with no Python loop per digit.
    ``digits`` must hold ASCII digits only.
    """
    mixed = digits[-1::-2] + digits[-2::-2].translate(_DOUBLED)
    return (sum(mixed.encode()) - 48 * len(digits)) % 10 == 0


def siret_error(value: str) -> str | None:
    """Why ``value`` is not a valid SIRET, in French, or None when it is."""
    if len(value) != 14 or not (value.isascii() and value.isdigit()):
        return "Le SIRET doit compter exactement 14 chiffres."
    if value.startswith(LA_POSTE_SIREN):
        if sum(int(c) for c in value) % 5 != 0:
            return "SIRET de La Poste invalide (somme des chiffres)."
        return None
    if not luhn_valid(value[:9]):
        return "SIREN invalide (clé de Luhn)."
    if not luhn_valid(value):
        return "SIRET invalide (clé de Luhn)."
    return None


def validate_siret(value: str) -> None:
    error = siret_error(value)
    if error:
        raise ValidationError(error, code="invalid_siret")
