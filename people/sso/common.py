"""What OpenID Connect and SAML share: matching an identity to a person, signing them in,
refusing them with a page that says why, and re-authentication for a signature."""

import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import login
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from people.audit import audit
from people.models import User

# What a session remembers of how its person signed in (people/middleware.py sets "password"
# for every login; the SSO views overwrite it after theirs).
AUTH_METHOD = "auth_method"  # "password", "oidc" or "saml"
AUTH_PROVIDER = "auth_provider"  # the provider's name as the button shows it
AUTH_AT = "auth_at"  # when the person authenticated, as the provider says (epoch seconds)
OIDC_ID_TOKEN = "oidc_id_token"  # kept for RP-initiated logout's id_token_hint, never logged
# A re-authentication for a signature: {"user", "method", "provider", "at"}; spent by one signature.
REAUTH = "sign_reauth"
REAUTH_STARTED = "reauth_started"  # {token: when the person clicked "confirm"}
# What a signer had typed when the signature was refused for want of a fresh confirmation:
# {interview pk: {"comment", "disagrees"}}, offered again once they have confirmed.
SIGN_PENDING = "sign_pending"

PASSWORD = "password"
OIDC = "oidc"
SAML = "saml"

# The person fields an identity may be matched on.
MATCH_FIELDS = ("email", "employee_number")

# Why a sign-in was refused: the reason's code (audited) and what the page says.
REASONS = {
    "unknown": gettext_lazy(
        "You signed in at %(provider)s, but you are not in this organisation's list of people here. "
        "If you should be, ask HR to add you; your account comes with the next import from the HR system."
    ),
    "inactive": gettext_lazy(
        "You signed in at %(provider)s, but your account here has been closed. If that is wrong, ask HR."
    ),
    "ambiguous": gettext_lazy(
        "You signed in at %(provider)s, but more than one person here matches who you are. Ask HR to fix "
        "the list of people."
    ),
    "no_claim": gettext_lazy(
        "%(provider)s did not say who you are in the way this site was set up to read it. Ask the people "
        "who run this site to check the sign-in settings."
    ),
    "unverified": gettext_lazy(
        "The answer from %(provider)s could not be verified, so you are not signed in. Start again from "
        "the sign-in page; if it happens again, tell the people who run this site."
    ),
    "denied": gettext_lazy(
        "%(provider)s did not sign you in (you cancelled, or it refused). Start again from the sign-in page."
    ),
    "unavailable": gettext_lazy(
        "%(provider)s could not be reached just now, so you are not signed in. Try again in a little while."
    ),
    "other_person": gettext_lazy(
        "You confirmed who you are at %(provider)s as somebody else than the person signed in here, so "
        "nothing was signed. Sign in again as yourself."
    ),
    "not_fresh": gettext_lazy(
        "%(provider)s did not ask you to sign in again, so your signature could not be confirmed. Try "
        "signing once more; if it happens again, tell the people who run this site."
    ),
}


# A signed-in person's confirmation that did not go through, whatever the provider's reason.
CONFIRMATION_FAILED = gettext_lazy(
    "%(provider)s did not confirm who you are (you cancelled, it refused, or its answer could not be "
    "verified), so nothing was signed. Go back and try again."
)


def sso_configured() -> list[tuple[str, str]]:
    """The providers people may sign in with, as (method, name to show), in the order shown."""
    providers = []
    if settings.OIDC_DISCOVERY_URL:
        providers.append((OIDC, settings.OIDC_NAME or _("your organisation")))
    if settings.SAML_IDP_METADATA_URL or settings.SAML_IDP_METADATA_FILE:
        providers.append((SAML, settings.SAML_NAME or _("your organisation")))
    return providers


def provider_name(method: str) -> str:
    return dict(sso_configured()).get(method, method)


def password_login_allowed(user: User | None = None) -> bool:
    """Whether passwords sign people in: everybody's unless PASSWORD_LOGIN is off, and then
    only administrators' (the break-glass login)."""
    if settings.PASSWORD_LOGIN:
        return True
    return user is not None and user.is_staff


def person_matching(field: str, value: str) -> tuple[User | None, str]:
    """The person an identity names, and "" ; or None and why not ("unknown", "ambiguous", "inactive")."""
    value = (value or "").strip()
    if not value or field not in MATCH_FIELDS:
        return None, "no_claim"
    if field == "email":
        people = list(User.objects.with_email(value).select_related("hr_role")[:2])
    else:
        people = list(User.objects.filter(employee_number=value).select_related("hr_role")[:2])
    if not people:
        return None, "unknown"
    if len(people) > 1:
        return None, "ambiguous"
    if not people[0].is_active:
        return None, "inactive"
    return people[0], ""


@dataclass(frozen=True)
class Identity:
    """What a provider said about the person, as far as this site uses it."""

    method: str  # OIDC or SAML
    claim: str  # the claim or attribute matched on
    value: str  # its value
    authenticated_at: float  # when they authenticated there (epoch seconds)

    def describe(self) -> str:
        # For the audit log: the provider and the matched claim, never a token.
        return f"{self.method} {provider_name(self.method)}: {self.claim}={self.value}"[:300]


def refuse(
    request,
    *,
    method: str,
    reason: str,
    identity: Identity | None = None,
    claim_value: str = "",
    back: str = "",
    record: bool = True,
):
    """The refusal page, in the visitor's language, with the reason audited (403).

    A signed-in person was confirming who they are for a signature, not signing in: their
    page says that nothing was signed and leads back to where they were (`back`). `record`
    is False for an answer that belongs to no sign-in this browser began (junk, a reload),
    which anybody could send: it is not written to the audit log.
    """
    provider = provider_name(method)
    if record:
        detail = f"{method} {provider}: {reason}"
        if identity is not None:
            detail += f" {identity.claim}={identity.value}"
        elif claim_value:
            detail += f" {claim_value}"
        audit("sso_refused", actor_email=(identity.value if identity else "")[:254], detail=detail)
    signing = request.user.is_authenticated
    if signing and reason not in ("other_person", "not_fresh"):
        message = CONFIRMATION_FAILED % {"provider": provider}
    else:
        message = REASONS.get(reason, REASONS["unverified"]) % {"provider": provider}
    return render(
        request,
        "registration/sso_refused.html",
        {"message": message, "provider": provider, "reason": reason, "signing": signing, "back": back},
        status=403,
    )


def sign_in(request, *, user: User, identity: Identity) -> None:
    """Sign the matched person in, remembering how (and the audit entry says with what claim)."""
    request.sso_identity = identity  # people.audit.on_login writes it into the "login" entry
    login(request, user, backend="people.backends.UserBackend")
    request.session[AUTH_METHOD] = identity.method
    request.session[AUTH_PROVIDER] = provider_name(identity.method)
    request.session[AUTH_AT] = identity.authenticated_at


def safe_next(request, value: str | None, default: str = "") -> str:
    """`value` if it is an address on this site (and HTTPS where the request is), else
    `default` (the home page): for ?next=, RelayState and forms' "back"."""
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return default or reverse(settings.LOGIN_REDIRECT_URL)


# --- re-authentication for a signature ---------------------------------------------------


def session_method(request) -> str:
    """How the signed-in person signed in: PASSWORD unless an SSO view said otherwise."""
    return request.session.get(AUTH_METHOD) or PASSWORD


def reauth_window() -> int:
    return settings.SIGN_REAUTH_MINUTES * 60


def reauth_begin(session) -> tuple[str, float]:
    """Mark the start of one re-authentication: a token for it and its time. The provider's
    answer is compared with the time of the click that began it (each flow its own, so two
    tabs cannot lend each other an older start)."""
    token = secrets.token_urlsafe(16)
    started = time.time()
    pending = dict(list((session.get(REAUTH_STARTED) or {}).items())[-4:])
    pending[token] = started
    session[REAUTH_STARTED] = pending
    return token, started


def reauth_started_at(session, token: str) -> float | None:
    """The start of the re-authentication this token names, spent: None if there is none."""
    pending = dict(session.get(REAUTH_STARTED) or {})
    started = pending.pop(token, None) if isinstance(token, str) else None
    session[REAUTH_STARTED] = pending
    return started


def reauth_check(started_at: float | None, identity: Identity, user_pk: int, matched: User | None) -> str:
    """ "" when the provider's answer is a fresh re-authentication of this person, else the reason."""
    if matched is None or matched.pk != user_pk:
        return "other_person"
    if started_at is None or not identity.authenticated_at or identity.authenticated_at <= 0:
        return "not_fresh"
    leeway = settings.SSO_CLOCK_LEEWAY_SECONDS
    now = time.time()
    # The provider authenticated them after they clicked (not an old session of theirs; the
    # leeway is for the two clocks), and not in the future.
    if identity.authenticated_at < started_at - leeway or identity.authenticated_at > now + leeway:
        return "not_fresh"
    return ""


def reauth_store(session, *, user: User, identity: Identity) -> None:
    session[REAUTH] = {
        "user": user.pk,
        "method": identity.method,
        "provider": provider_name(identity.method),
        "at": identity.authenticated_at,
    }


def reauth_fresh(request) -> dict | None:
    """The signed-in person's re-authentication, while it is fresh enough to sign with."""
    done = request.session.get(REAUTH)
    if not done or done.get("user") != request.user.pk:
        return None
    if time.time() - done.get("at", 0) > reauth_window():
        return None
    return done


def reauth_spend(request) -> None:
    request.session.pop(REAUTH, None)


# --- where the browser may be sent (the Content-Security-Policy's form-action) -------------


def origin_of(url: str) -> str:
    """scheme://host[:port] of an address, or "" for one without them."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def provider_origins() -> list[str]:
    """The configured providers' origins (people.middleware.ProviderFormActionMiddleware)."""
    origins = []
    if settings.OIDC_DISCOVERY_URL:
        origins.append(origin_of(settings.OIDC_DISCOVERY_URL))
    origins += [origin_of(url) for url in settings.SSO_EXTRA_ORIGINS]
    if settings.SAML_IDP_METADATA_URL or settings.SAML_IDP_METADATA_FILE:
        from people.sso.saml import idp_origins

        origins += idp_origins()
    return sorted({o for o in origins if o})
