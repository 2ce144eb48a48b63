"""The merchant's « Photos » page of a listing, and the media files for `make run`."""

import posixpath

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.static import serve

from geo_directory.businesses.models import Business

from .forms import PhotoUploadForm
from .models import Photo
from .processing import MAX_BYTES, PhotoRejected
from .public import photos_for
from .services import MAX_PHOTOS_PER_LISTING, add_photo, delete_photo, move_photo
from .uploads import SizeLimitHandler

IMMUTABLE = "public, max-age=31536000, immutable"


def _managed(request, business_id: int) -> Business:
    """The listing if this user owns it; else 404, which does not even confirm that it
    exists. As for every owner-only merchant page, staff get the 404 too: they act on
    photos in the Django admin (tests/hardening/test_authorization_matrix.py)."""
    return get_object_or_404(Business, pk=business_id, owner=request.user, merged_into__isnull=True)


def _page(request, business, form, status=200):
    return render(
        request,
        "photos/manage.html",
        {
            "business": business,
            "form": form,
            "photos": photos_for(business),
            "max_photos": MAX_PHOTOS_PER_LISTING,
            "max_mb": MAX_BYTES // (1024 * 1024),
        },
        status=status,
    )


@csrf_exempt  # the size-limit handler must be installed before the body is read...
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def manage(request, business_id: int):
    if request.method == "POST":
        request.upload_handlers.insert(0, SizeLimitHandler(request))
    return _manage(request, business_id)


@csrf_protect  # ...and the CSRF check, which reads the body, happens here
def _manage(request, business_id: int):
    business = _managed(request, business_id)
    if request.method != "POST":
        return _page(request, business, PhotoUploadForm(business=business))
    form = PhotoUploadForm(request.POST, request.FILES, business=business)
    if getattr(request, "photo_too_large", False):
        form.is_valid()
        form.errors.pop("image", None)
        form.add_error("image", f"Fichier trop lourd : {MAX_BYTES // (1024 * 1024)} Mo au maximum.")
        return _page(request, business, form, status=400)
    if form.is_valid():
        try:
            add_photo(
                business,
                form.cleaned_data["image"],
                form.cleaned_data["alt_text"],
                product=form.cleaned_data["product"],
            )
        except PhotoRejected as exc:
            form.add_error("image", str(exc))
        else:
            messages.success(request, "Photo ajoutée.")
            return redirect("photos:manage", business_id=business.pk)
    return _page(request, business, form, status=400)


def _photo(request, business_id: int, photo_id: int) -> Photo:
    business = _managed(request, business_id)
    return get_object_or_404(Photo, pk=photo_id, business=business)


@login_required
@require_POST
def move(request, business_id: int, photo_id: int):
    step = {"avant": -1, "apres": 1}.get(request.POST.get("sens"))
    if step is None:
        raise Http404
    move_photo(_photo(request, business_id, photo_id), step)
    return redirect("photos:manage", business_id=business_id)


@login_required
@require_POST
def describe(request, business_id: int, photo_id: int):
    photo = _photo(request, business_id, photo_id)
    text = " ".join(request.POST.get("alt_text", "").split())
    if not text or len(text) > 250:
        messages.error(request, "Description refusée : entre 1 et 250 caractères.")
    else:
        photo.alt_text = text
        photo.save(update_fields=["alt_text"])
        messages.success(request, "Description enregistrée.")
    return redirect("photos:manage", business_id=business_id)


@login_required
@require_POST
def delete(request, business_id: int, photo_id: int):
    delete_photo(_photo(request, business_id, photo_id))
    messages.success(request, "Photo supprimée.")
    return redirect("photos:manage", business_id=business_id)


@require_safe
def media(request, path: str):
    """MEDIA_ROOT's photos for `make run` (in production nginx or the CDN serves them).

    Their names hold a hash of their content, so they are cached for a year; only the
    photos folder is served (the path is normalised first: « photos/../x » names a file
    beside it), and Django's ``serve`` refuses any path outside the root.
    """
    if not posixpath.normpath(path).startswith("photos/"):
        raise Http404
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = IMMUTABLE
    return response
