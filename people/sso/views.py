"""The sign-in page (single sign-on buttons, and the password form where passwords sign
people in), the administrators' break-glass login, signing out here and at the provider,
and the password-reset pages that disappear when passwords are off."""

from functools import wraps

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from people.forms import LoginForm
from people.sso import common


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    """The sign-in page. With PASSWORD_LOGIN off it shows only the providers' buttons; the
    password form is then the administrators' break-glass login, at its own address."""

    authentication_form = LoginForm
    template_name = "registration/login.html"
    break_glass = False

    def passwords_here(self) -> bool:
        return settings.PASSWORD_LOGIN or self.break_glass

    def dispatch(self, request, *args, **kwargs):
        if self.break_glass and settings.PASSWORD_LOGIN:
            # Passwords sign everybody in: the ordinary page is the one.
            return HttpResponseRedirect(
                reverse("login") + ("?" + request.GET.urlencode() if request.GET else "")
            )
        if request.method == "POST" and not self.passwords_here():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        next_url = context.get("next") or ""
        context.update(
            providers=[
                {"method": method, "name": name, "url": _login_url(method, next_url)}
                for method, name in common.sso_configured()
            ],
            passwords_here=self.passwords_here(),
            break_glass=self.break_glass,
            password_reset_offered=settings.PASSWORD_LOGIN,
        )
        return context


def _login_url(method: str, next_url: str) -> str:
    url = reverse("oidc_login") if method == common.OIDC else reverse("saml2_login")
    return url + ("?" + urlencode({"next": next_url}) if next_url else "")


@login_not_required
@require_POST
def sign_out(request):
    """Sign out here and, where the person signed in at a provider that supports it, there."""
    method = common.session_method(request) if request.user.is_authenticated else common.PASSWORD
    if method == common.OIDC:
        from people.sso.oidc import oidc_sign_out

        return oidc_sign_out(request)
    if method == common.SAML and request.user.is_authenticated:
        from people.sso.saml import saml_sign_out

        return saml_sign_out(request)
    logout(request)
    return HttpResponseRedirect(reverse(settings.LOGOUT_REDIRECT_URL))


def reauth_url(request, next_url: str) -> str | None:
    """Where the signed-in person confirms who they are before signing, or None for a
    password session (they type their password in the form)."""
    method = common.session_method(request)
    if method == common.OIDC:
        return reverse("oidc_reauth") + "?" + urlencode({"next": next_url})
    if method == common.SAML:
        return reverse("saml_reauth") + "?" + urlencode({"next": next_url})
    return None


def passwords_only(view, *, administrators: bool = False):
    """404 for the password pages while PASSWORD_LOGIN is off: the reset pages for everyone,
    the change pages (administrators=True) for all but administrators, who keep a password."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.PASSWORD_LOGIN and not (administrators and request.user.is_staff):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped
