"""SIRET validation: 14 digits, Luhn key (La Poste's establishments by digit sum)."""

from django.core.exceptions import ValidationError

LA_POSTE_SIREN = "356000000"


_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # 2 × d, minus 9 when above 9


def luhn_valid(digits: str) -> bool:
    """Luhn checksum (from the right, every second digit doubled); table-driven for bulk use."""
    total = sum(map(int, digits[-1::-2])) + sum(_DOUBLED[int(c)] for c in digits[-2::-2])
    return total % 10 == 0


def siret_error(value: str) -> str | None:
    """Why ``value`` is not a valid SIRET, in French, or None when it is."""
    if not value.isdigit() or len(value) != 14:
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
