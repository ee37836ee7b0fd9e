import json
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from people.api_auth import is_api_path
from people.audit import audit
from people.sso.common import AUTH_AT, AUTH_METHOD, PASSWORD, provider_origins


def is_fragment_request(request) -> bool:
    """An autosave or a part of a page fetched by script (htmx, or fetch() naming itself)."""
    return request.headers.get("HX-Request") == "true" or request.headers.get("X-Requested-With") == "fetch"


def signed_out_response() -> HttpResponse:
    """What a fragment request gets once its session has ended: 401, which htmx does not swap
    in and static/js/talk.js understands (it keeps the text and says "you were signed out"),
    instead of the login page swapped into a status line or a table."""
    response = HttpResponse(
        _("You were signed out. Sign in again; what you typed is kept in this browser."),
        status=401,
        content_type="text/plain; charset=utf-8",
    )
    response["HX-Trigger"] = "session-ended"
    return response


class FragmentAwareLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware, answering fragment requests with 401, not the login page.

    The API and SCIM check their bearer tokens themselves (people.api_auth)."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if is_api_path(request.path_info):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

    def handle_no_permission(self, request, view_func):
        if is_fragment_request(request):
            return signed_out_response()
        return super().handle_no_permission(request, view_func)


class ApiRequestMiddleware:
    """/api/ and /scim/: nobody is signed in by a session cookie, and each call is audited.

    A browser's session grants nothing there (the token is the caller), so no other site can
    make a signed-in browser call the API, and nothing in it acts as the browser's user.
    Every call a token made is written to the audit log with its method and answer; calls
    without a working token are not, so anonymous requests cannot fill the log.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_api_path(request.path_info):
            return self.get_response(request)
        request.user = AnonymousUser()
        if _holds_nul(request):
            return api_bad_request(request, _("A NUL character is not allowed, in the address or the body."))
        response = self.get_response(request)
        token = getattr(request, "api_token", None)
        if token is not None:
            audit(
                "api_call",
                actor_email=f"token {token.prefix} {token.name}"[:254],
                object_type="people.apitoken",
                object_id=token.pk,
                detail=f"{request.method} {response.status_code}",
            )
        return response


def _holds_nul(request) -> bool:
    if "\x00" in request.path or any(
        "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
    ):
        return True
    # JSON writes a NUL as \u0000; PostgreSQL can store neither. Only bodies of a size the
    # API reads are looked at (Django refuses larger ones itself).
    body = request.body if request.method in ("POST", "PUT", "PATCH") else b""
    return b"\x00" in body or b"\\u0000" in body.lower()


def api_bad_request(request, detail: str) -> HttpResponse:
    """400 in the caller's format: a SCIM error under /scim/, problem details under /api/."""
    if request.path_info.startswith("/scim/"):
        body = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": "400",
            "scimType": "invalidValue",
            "detail": detail,
        }
        content_type = "application/scim+json"
    else:
        body = {"type": "about:blank", "title": "Bad request", "status": 400, "detail": detail}
        content_type = "application/problem+json"
    return HttpResponse(json.dumps(body), status=400, content_type=content_type)


class UserLanguageMiddleware:
    """Show the interface in the signed-in user's preferred language.

    Runs after LocaleMiddleware (which serves anonymous visitors from the cookie or the
    browser) and after authentication, so a user's own choice wins on every device.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


LOGIN_AT = "login_at"
SEEN_AT = "seen_at"
# How stale the "last seen" mark may get before it is written again: a write per minute
# at most, not one per request.
SEEN_RESOLUTION = 60


def remember_login_time(sender, request, user, **kwargs):
    """user_logged_in receiver: the start of the session's absolute lifetime."""
    now = time.time()
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now
    # A password, unless a single sign-on view says otherwise right after (people/sso/common.py).
    request.session[AUTH_METHOD] = PASSWORD
    request.session[AUTH_AT] = now


class SessionLifetimeMiddleware:
    """Signs a person out after SESSION_IDLE_SECONDS without a request, and in any case
    SESSION_MAX_SECONDS after they signed in; the next page asks them to sign in again.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            started = session.setdefault(LOGIN_AT, now)
            seen = session.get(SEEN_AT, started)
            # A password session of somebody who may no longer sign in with one (PASSWORD_LOGIN
            # turned off since): it ends here, and they sign in at the identity provider.
            password_refused = (
                not settings.PASSWORD_LOGIN
                and session.get(AUTH_METHOD, PASSWORD) == PASSWORD
                and not request.user.is_staff
            )
            if (
                password_refused
                or now - seen > settings.SESSION_IDLE_SECONDS
                or now - started > settings.SESSION_MAX_SECONDS
            ):
                logout(request)
                if is_fragment_request(request):
                    # Not a redirect: the page stays, with what was typed in it.
                    return signed_out_response()
                if password_refused:
                    messages.info(
                        request,
                        _(
                            "This site no longer signs people in with a password: sign in with your organisation's account."
                        ),
                    )
                else:
                    messages.info(
                        request, _("You were signed out after a while away. Sign in again to go on.")
                    )
                return redirect_to_login(request.get_full_path())
            if now - seen > SEEN_RESOLUTION:
                session[SEEN_AT] = now
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages for a signed-in person are never kept by a browser or a proxy cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        signed_in = request.user.is_authenticated
        response = self.get_response(request)
        if signed_in:
            patch_cache_control(response, no_store=True, private=True)
        return response


class NullCharacterGuardMiddleware:
    """Answers 400, with a page that says why, to an address whose path or query holds a NUL
    character. No page searches, sorts or filters by one, and PostgreSQL cannot even compare
    a text holding it: without this, `?q=%00` on any search was a 500. (Posted forms check
    their own fields, with a message beside the field.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            return render(request, "bad_request.html", status=400)
        return self.get_response(request)


class ProviderFormActionMiddleware:
    """Lets a form's redirect reach the identity provider: signing out (RP-initiated logout)
    is a form whose answer redirects there, and the Content-Security-Policy's form-action
    'self' would stop the browser on the way. Only the configured providers' origins are added.
    Placed inside django-csp's middleware, which reads what this sets."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        origins = provider_origins()
        if origins:
            update = dict(getattr(response, "_csp_update", None) or {})
            update["form-action"] = [*update.get("form-action", []), *origins]
            response._csp_update = update
        return response
