from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from geo_directory.ratelimits import ratelimit

from . import claim_views, views
from .forms import EmailAuthenticationForm

app_name = "accounts"

T = "accounts/"
urlpatterns = [
    path("compte/inscription/", views.signup, name="signup"),
    path("compte/confirmer/<uidb64>/<token>/", views.confirm, name="confirm"),
    path(
        "compte/connexion/",
        ratelimit("login")(
            auth_views.LoginView.as_view(
                template_name=T + "login.html", authentication_form=EmailAuthenticationForm
            )
        ),
        name="login",
    ),
    path("compte/deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "compte/mot-de-passe/oubli/",
        ratelimit("password_reset")(
            auth_views.PasswordResetView.as_view(
                template_name=T + "password_reset_form.html",
                email_template_name=T + "password_reset_email.txt",
                subject_template_name=T + "password_reset_subject.txt",
                success_url=reverse_lazy("accounts:password_reset_done"),
            )
        ),
        name="password_reset",
    ),
    path(
        "compte/mot-de-passe/envoye/",
        auth_views.PasswordResetDoneView.as_view(template_name=T + "password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "compte/mot-de-passe/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name=T + "password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "compte/mot-de-passe/termine/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name=T + "password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("espace/", views.dashboard, name="dashboard"),
    path("espace/commerces/nouveau/", views.create, name="create"),
    path("espace/commerces/<int:pk>/", views.edit, name="edit"),
    path("espace/revendiquer/", claim_views.claim, name="claim"),
    path("espace/revendiquer/<int:pk>/", claim_views.claim_listing, name="claim_listing"),
    path(
        "espace/revendiquer/demandes/<int:claim_id>/code/",
        claim_views.claim_code,
        name="claim_code",
    ),
]
