from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.views.decorators.http import require_http_methods

from geo_directory.businesses import revisions
from geo_directory.businesses.hours_text import describe_fr
from geo_directory.businesses.models import Business
from geo_directory.ratelimits import ratelimit
from geo_directory.territory.managers import OutsideRegion

from .forms import BusinessForm, SignupForm
from .listings import save_listing, saved_message

User = get_user_model()


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """Like the password-reset token, but void once the account is active."""

    key_salt = "geo_directory.accounts.ActivationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.password}{user.is_active}{timestamp}{user.email}"


activation_token = ActivationTokenGenerator()


def activation_url(request, user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("accounts:confirm", args=[uid, activation_token.make_token(user)])
    return request.build_absolute_uri(path)


@require_http_methods(["GET", "POST"])
@ratelimit("signup")
def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        existing = form.existing_user()
        if existing is None:
            user = form.save()
            send_mail(
                "Confirmez votre adresse e-mail — Sauvons Noël",
                "Bonjour,\n\nPour activer votre compte commerçant Sauvons Noël, ouvrez ce "
                f"lien :\n{activation_url(request, user)}\n\nSi vous n'êtes pas à l'origine "
                "de cette inscription, ignorez ce message.\n\nL'équipe Sauvons Noël",
                settings.DEFAULT_FROM_EMAIL,
                [user.email],
            )
        else:
            # Same page as a new address: whether an account exists is told only to the
            # owner of the mailbox.
            form.hash_password_only()
            _account_exists_mail(request, existing)
        email = form.cleaned_data["email"]
        return render(request, "accounts/signup_done.html", {"email": email})
    return render(request, "accounts/signup.html", {"form": form})


def _account_exists_mail(request, user) -> None:
    login_url = request.build_absolute_uri(reverse("accounts:login"))
    reset_url = request.build_absolute_uri(reverse("accounts:password_reset"))
    activation = ""
    if not user.is_active:
        activation = (
            "Votre compte n'est pas encore activé : pour l'activer, ouvrez ce lien :\n"
            f"{activation_url(request, user)}\n\n"
        )
    send_mail(
        "Votre compte Sauvons Noël existe déjà",
        "Bonjour,\n\nQuelqu'un (vous, sans doute) a demandé à créer un compte commerçant "
        "Sauvons Noël avec cette adresse e-mail, mais un compte existe déjà : aucun nouveau "
        "compte n'a été créé et votre mot de passe n'a pas changé.\n\n"
        f"{activation}Pour vous connecter : {login_url}\n"
        f"Mot de passe oublié : {reset_url}\n\n"
        "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.\n\n"
        "L'équipe Sauvons Noël",
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )


def confirm(request, uidb64, token):
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        user = None
    if user is None or not activation_token.check_token(user, token):
        return render(request, "accounts/confirm_invalid.html", status=400)
    user.is_active = True
    user.save(update_fields=["is_active"])
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, "Votre adresse est confirmée : bienvenue sur Sauvons Noël !")
    return redirect("accounts:dashboard")


@login_required
def dashboard(request):
    businesses = request.user.businesses.filter(merged_into__isnull=True).select_related(
        "commune", "category"
    )
    for business in businesses:
        business.hours_fr = describe_fr(business.opening_hours)
        revision = revisions.pending(business)
        business.revision_text = revision and revisions.describe(revision)
    claims = request.user.listing_claims.select_related("business")
    return render(request, "accounts/dashboard.html", {"businesses": businesses, "claims": claims})


def _edit(request, business):
    revision = revisions.pending(business)
    form = BusinessForm(request.POST or None, instance=business)
    # The fields under review show the merchant's proposal, not the public value.
    form.initial.update(revisions.form_initial(revision))
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_listing(form, request.user)
        except OutsideRegion as exc:
            form.add_error(None, f"Adresse hors de la Région Sud : {exc}")
        else:
            messages.success(request, saved_message(saved))
            return redirect("accounts:edit", pk=saved.business.pk)
    return render(
        request,
        "accounts/business_form.html",
        {
            "form": form,
            "business": business if business.pk else None,
            "revision": revision,
            "revision_text": revision and revisions.describe(revision),
            "tile_url": settings.TILE_URL,
            "hours_fields": [form[f"hours_{day}"] for day in range(7)],
            "hours_fr": describe_fr(business.opening_hours),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    return _edit(request, Business(owner=request.user))


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk):
    # Only the owner's listings exist here: anyone else's is a 404, GET or crafted POST.
    business = get_object_or_404(Business, pk=pk, owner=request.user, merged_into__isnull=True)
    return _edit(request, business)
