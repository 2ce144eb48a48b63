"""The moderators' decisions on listings: publish, refuse, merge duplicates.

Called by the Django admin (businesses/admin.py); each decision is written in the
listing's ``moderation_note`` and mailed to its owner.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import Business


def mail_user(user, subject: str, body: str) -> None:
    """Tell a merchant (when the listing has one with an e-mail) of a decision."""
    if user is not None and user.email:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def _note(business: Business, text: str) -> None:
    stamp = timezone.localtime().strftime("%d/%m/%Y %H:%M")
    business.moderation_note = f"{business.moderation_note}\n[{stamp}] {text}".strip()


def approve(business: Business, moderator) -> None:
    if business.location is None:
        raise ValueError(f"« {business.name} » n'a pas de position : placez-la avant de publier.")
    business.status = Business.Status.PUBLISHED
    _note(business, f"Publiée par {moderator}.")
    business.save(update_fields=["status", "moderation_note", "updated_at"])
    business.review_items.filter(resolved=False).update(resolved=True)
    mail_user(
        business.owner,
        f"Votre fiche « {business.name} » est en ligne",
        f"Bonjour,\n\nVotre fiche « {business.name} » est publiée sur Sauvons Noël.\n\n"
        "L'équipe Sauvons Noël",
    )


def reject(business: Business, moderator, reason: str) -> None:
    business.status = Business.Status.DRAFT
    _note(business, f"Refusée par {moderator} : {reason}")
    business.save(update_fields=["status", "moderation_note", "updated_at"])
    mail_user(
        business.owner,
        f"Votre fiche « {business.name} » n'a pas été publiée",
        f"Bonjour,\n\nVotre fiche « {business.name} » n'a pas été acceptée.\n"
        f"Motif : {reason}\n\nCorrigez-la depuis votre espace commerçant puis "
        "soumettez-la à nouveau.\n\nL'équipe Sauvons Noël",
    )


def richness(business: Business) -> int:
    filled = sum(1 for name in Business.MERCHANT_FIELDS if getattr(business, name, None))
    return filled + (5 if business.owner_id else 0) + (2 if business.status == "published" else 0)


@transaction.atomic
def merge(businesses: list[Business], moderator, keep: Business | None = None) -> Business:
    """Merge duplicates into the richest one; the others point to it (merged_into).

    Empty fields of the kept listing are filled from the others; the others are closed,
    keep their data as history, and a note is written on both sides.
    """
    if len(businesses) < 2:
        raise ValueError("Sélectionnez au moins deux fiches à fusionner.")
    keep = keep or max(businesses, key=lambda b: (richness(b), -b.pk))
    others = [b for b in businesses if b.pk != keep.pk]
    for other in others:
        siret = other.siret
        if siret:  # unique: free it on the closed listing before moving it
            other.siret = None
            other.save(update_fields=["siret"])
        for name in Business.MERCHANT_FIELDS:
            source = siret if name == "siret" else getattr(other, name)
            if source and not getattr(keep, name):
                setattr(keep, name, source)
        if keep.owner_id is None and other.owner_id:
            keep.owner_id = other.owner_id
        keep.owned_fields = sorted(set(keep.owned_fields) | set(other.owned_fields))
        other.merged_into = keep
        other.status = Business.Status.CLOSED
        _note(other, f"Fusionnée dans #{keep.pk} « {keep.name} » par {moderator} (SIRET {siret}).")
        other.save(update_fields=["merged_into", "status", "moderation_note", "updated_at"])
        _note(keep, f"A absorbé #{other.pk} « {other.name} » ({moderator}).")
        # Pending claims follow the kept listing (unless the user already claims it).
        already = keep.claims.filter(status="pending").values("user_id")
        other.claims.filter(status="pending").exclude(user_id__in=already).update(business=keep)
    keep.save()
    return keep
