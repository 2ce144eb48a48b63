"""ListingRevision rules below the views: one pending per listing, decisions taken once,
a SIRET taken meanwhile refused in French (issue #16)."""

import pytest
from django.db import IntegrityError, transaction

from geo_directory.businesses import revisions
from geo_directory.businesses.models import ListingRevision
from tests.accounts.helpers import make_siret
from tests.factories import make_listing, make_merchant, make_moderator

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing():
    owner = make_merchant("caviste@moustiers.fr")
    return make_listing("Cave de Moustiers", 6.22195, 43.84605, owner=owner)


def test_the_database_keeps_one_pending_revision_per_listing(listing):
    first = revisions.propose(listing, {"name": "Cave des Étoiles"}, listing.owner)
    again = revisions.propose(listing, {"name": "Cave du Lac"}, listing.owner)
    assert again.pk == first.pk and listing.revisions.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        ListingRevision.objects.create(business=listing, proposed={"name": "Cave bis"})
    # Decided revisions are history: a new proposal starts a new pending one.
    revisions.reject(first, make_moderator("modo@sauvons-noel.fr"), "Nom d'enseigne requis.")
    third = revisions.propose(listing, {"name": "Cave de la Faïence"}, listing.owner)
    assert third.pk != first.pk and listing.revisions.count() == 2


def test_a_siret_taken_meanwhile_is_refused_in_french_and_stays_pending(listing):
    siret = make_siret("44306184")
    revision = revisions.propose(listing, {"siret": siret}, listing.owner)
    make_listing("Autre cave", 6.2230, 43.8470, siret=siret)
    moderator = make_moderator("modo@sauvons-noel.fr")
    with pytest.raises(ValueError, match="ce SIRET est déjà celui d'une autre fiche"):
        revisions.approve(revision, moderator)
    revision.refresh_from_db()
    listing.refresh_from_db()
    assert revision.state == "pending" and listing.siret is None
    revisions.reject(revision, moderator, "SIRET d'un autre établissement.")
    with pytest.raises(ValueError, match="déjà été traitée"):
        revisions.approve(revision, moderator)


def test_a_category_change_is_shown_by_its_labels(listing):
    from geo_directory.businesses.models import Category

    fromagerie = Category.objects.get(slug="fromagerie")
    revision = revisions.propose(listing, {"category": fromagerie.pk}, listing.owner)
    [change] = revisions.changes(revision)
    assert (change.label, change.current, change.proposed) == (
        "catégorie",
        listing.category.label,
        fromagerie.label,
    )
    revisions.approve(revision, make_moderator("modo@sauvons-noel.fr"))
    listing.refresh_from_db()
    assert listing.category == fromagerie and listing.status == "published"
