"""Sign-in with OpenID Connect: the authorization code flow with PKCE, on Authlib.

Authlib rather than mozilla-django-oidc: Authlib reads the provider's discovery document and
checks every part of the ID token this product relies on (signature against the provider's
keys, issuer, audience, expiry, nonce, and the state against the session), where
mozilla-django-oidc 5 checks neither issuer nor audience and needs each endpoint configured
by hand. Its Django client keeps the state, nonce and PKCE verifier in the session.

A signature asks for a fresh authentication: the same flow with prompt=login and max_age=0,
whose answer must be this person, authenticated after they clicked (auth_time).
"""

import logging
import time

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from joserfc.errors import JoseError

from people.audit import audit
from people.sso import common

logger = logging.getLogger(__name__)

_clients: dict[tuple, tuple[float, object]] = {}
CLIENT_SECONDS = 3600
# {state: {"reauth": bool, "next": str, "user": pk or None, "at": when it began, "token": for a reauth}}
FLOWS = "oidc_flows"


def _client():
    """The Authlib client for the configured provider: one per configuration (a change of
    settings in tests, or a restart with new ones, takes a fresh one), and a fresh one every
    CLIENT_SECONDS, so that the provider's discovery document and signing keys are read again
    (Authlib fetches new keys by itself only for a key id it does not know)."""
    if not settings.OIDC_DISCOVERY_URL:
        raise Http404
    key = (
        settings.OIDC_DISCOVERY_URL,
        settings.OIDC_CLIENT_ID,
        settings.OIDC_CLIENT_SECRET,
        settings.OIDC_SCOPES,
    )
    made, client = _clients.get(key, (0.0, None))
    if client is None or time.monotonic() - made > CLIENT_SECONDS:
        oauth = OAuth()
        client = oauth.register(
            name="oidc",
            client_id=settings.OIDC_CLIENT_ID,
            client_secret=settings.OIDC_CLIENT_SECRET,
            server_metadata_url=settings.OIDC_DISCOVERY_URL,
            client_kwargs={
                "scope": settings.OIDC_SCOPES,
                "code_challenge_method": "S256",
                # Every request to the provider (discovery, keys, token, userinfo) gives up
                # after this long, instead of holding a worker while the provider hangs.
                "default_timeout": settings.SSO_TIMEOUT_SECONDS,
            },
        )
        _clients.clear()
        _clients[key] = (time.monotonic(), client)
    return client


def _redirect_uri(request) -> str:
    return request.build_absolute_uri(reverse("oidc_callback"))


def _start(request, *, reauth: bool, next_url: str, reauth_token: str = "", **params):
    client = _client()
    try:
        rv = client.create_authorization_url(
            _redirect_uri(request), ui_locales=translation.get_language() or settings.LANGUAGE_CODE, **params
        )
    except (requests.RequestException, AuthlibBaseError, ValueError, RuntimeError) as exc:
        # RuntimeError: Authlib's word for a discovery document without an endpoint it needs.
        logger.warning("OpenID Connect provider unreachable: %s", exc)
        return common.refuse(request, method=common.OIDC, reason="unavailable")
    client.save_authorize_data(request, redirect_uri=_redirect_uri(request), **rv)
    flows = request.session.get(FLOWS, {})
    # A few flows at once (two tabs); older ones are dropped so the session stays small.
    flows = dict(list(flows.items())[-4:])
    flows[rv["state"]] = {
        "reauth": reauth,
        "next": next_url,
        "user": request.user.pk if request.user.is_authenticated else None,
        "at": time.time(),
        "token": reauth_token,
    }
    request.session[FLOWS] = flows
    return HttpResponseRedirect(rv["url"])


@login_not_required
def oidc_login(request):
    """Off to the provider to sign in; back at oidc_callback."""
    _client()  # not found where OpenID Connect is not configured
    next_url = common.safe_next(request, request.GET.get("next"))
    if request.user.is_authenticated:
        return HttpResponseRedirect(next_url)
    return _start(request, reauth=False, next_url=next_url)


def oidc_reauth(request):
    """Off to the provider to confirm who the signed-in person is, for a signature (only in a
    session signed in there: a password session signs with its password)."""
    _client()
    if common.session_method(request) != common.OIDC:
        raise Http404
    next_url = common.safe_next(request, request.GET.get("next"))
    token, _at = common.reauth_begin(request.session)
    return _start(
        request,
        reauth=True,
        next_url=next_url,
        reauth_token=token,
        prompt="login",
        max_age=0,
        login_hint=request.user.email,
    )


# The signature algorithms an ID token may use, whatever the provider's discovery document
# offers: never "none", and never HS256 (a key the client shares with the provider).
SAFE_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")


def _claims_options(client) -> dict:
    """The issuer from discovery and this client as the audience, both required; and the
    algorithms pinned (Authlib reads them from the metadata, which is where they are cut)."""
    metadata = client.load_server_metadata()
    offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    metadata["id_token_signing_alg_values_supported"] = [alg for alg in offered if alg in SAFE_ALGORITHMS]
    return {
        "iss": {"essential": True, "values": [metadata.get("issuer", "")]},
        "aud": {"essential": True, "values": [settings.OIDC_CLIENT_ID]},
    }


def _claims(client, token) -> dict:
    claims = dict(token.get("userinfo") or {})
    if settings.OIDC_CLAIM not in claims and token.get("access_token"):
        # Some providers put the address or the employee number only in the userinfo answer.
        # The ID token has been verified; the userinfo answer comes over TLS, for its token.
        userinfo = client.userinfo(token=token)
        if isinstance(userinfo, dict) and userinfo.get("sub") == claims.get("sub"):
            claims.update({k: v for k, v in userinfo.items() if k not in claims})
    return claims


@login_not_required
def oidc_callback(request):
    client = _client()
    state = request.GET.get("state", "")
    flows = request.session.get(FLOWS)
    flow = flows.pop(state, None) if isinstance(flows, dict) and isinstance(state, str) else None
    if flow is None:
        # A state this browser did not send: a forged or replayed answer, an old tab, a
        # reload. Nothing is written (anybody can send this): the page says so and no more.
        return common.refuse(request, method=common.OIDC, reason="unverified", record=False)
    request.session[FLOWS] = flows
    back = flow["next"] if flow["reauth"] else ""

    def refused(reason, **kwargs):
        return common.refuse(request, method=common.OIDC, reason=reason, back=back, **kwargs)

    if request.GET.get("error"):
        # An OAuth error code is a short ASCII word; nothing else of it is kept.
        error = "".join(
            c for c in request.GET.get("error", "")[:40] if c.isascii() and (c.isalnum() or c == "_")
        )
        return refused("denied", claim_value=error)
    try:
        token = client.authorize_access_token(
            request, leeway=settings.SSO_CLOCK_LEEWAY_SECONDS, claims_options=_claims_options(client)
        )
        claims = _claims(client, token)
    except (AuthlibBaseError, JoseError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        # Authlib and joserfc refuse a bad state, signature, issuer, audience, expiry or nonce.
        logger.warning("OpenID Connect answer refused: %r", exc)
        return refused("unverified", claim_value=type(exc).__name__)
    except requests.RequestException as exc:
        logger.warning("OpenID Connect provider unreachable: %s", exc)
        return refused("unavailable")
    if "id_token" not in token or not claims.get("sub"):
        return refused("unverified", claim_value="id_token")

    value = claims.get(settings.OIDC_CLAIM)
    auth_time = claims.get("auth_time")
    identity = common.Identity(
        method=common.OIDC,
        claim=settings.OIDC_CLAIM,
        value=str(value or "")[:254],
        authenticated_at=float(auth_time if _is_time(auth_time) else claims.get("iat") or time.time()),
    )
    if not isinstance(value, str) or not value:
        return refused("no_claim", claim_value=settings.OIDC_CLAIM)
    if settings.OIDC_CLAIM == "email" and claims.get("email_verified") is False:
        # The provider says it has not checked this address: anybody could have typed it.
        return refused("unverified", identity=identity, claim_value="email_verified")
    person, why = common.person_matching(settings.OIDC_MATCH, value)

    if flow["reauth"]:
        if not request.user.is_authenticated or request.user.pk != flow["user"]:
            return refused("other_person", identity=identity)
        started = common.reauth_started_at(request.session, flow.get("token", ""))
        if not _is_time(auth_time):
            # Without the time the provider authenticated them, a fresh sign-in is not shown.
            return refused("not_fresh", identity=identity)
        if why := common.reauth_check(started, identity, request.user.pk, person):
            return refused(why, identity=identity)
        common.reauth_store(request.session, user=request.user, identity=identity)
        audit("sign_reauthenticated", detail=identity.describe())
        return HttpResponseRedirect(flow["next"])

    if person is None:
        return refused(why, identity=identity)
    common.sign_in(request, user=person, identity=identity)
    # For RP-initiated logout's id_token_hint; never written to a log or the audit.
    request.session[common.OIDC_ID_TOKEN] = token["id_token"]
    return HttpResponseRedirect(flow["next"])


def _is_time(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def oidc_logout_url(request, id_token: str | None) -> str | None:
    """Where to send a person signing out, so that the provider ends its session too; None
    where the provider offers no RP-initiated logout."""
    try:
        client = _client()
        metadata = client.load_server_metadata()
    except (Http404, requests.RequestException, AuthlibBaseError, ValueError, RuntimeError):
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    result = client.create_logout_url(
        post_logout_redirect_uri=request.build_absolute_uri(reverse("login")),
        id_token_hint=id_token,
        client_id=settings.OIDC_CLIENT_ID,
    )
    return result["url"]


def oidc_sign_out(request) -> HttpResponseRedirect:
    id_token = request.session.get(common.OIDC_ID_TOKEN)
    url = oidc_logout_url(request, id_token)
    logout(request)
    return HttpResponseRedirect(url or reverse(settings.LOGOUT_REDIRECT_URL))
