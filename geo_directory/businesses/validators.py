"""SIRET validation: 14 digits, Luhn key (La Poste's establishments by digit sum)."""

from django.core.exceptions import ValidationError

LA_POSTE_SIREN = "356000000"


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
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
