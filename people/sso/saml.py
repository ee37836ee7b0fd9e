"""Sign-in with SAML 2.0, for federations that offer only SAML: djangosaml2 on pysaml2,
which signs and checks signatures with Debian's xmlsec1.

The service provider's metadata is served at /saml2/metadata/ for the federation to
register; assertions must be signed (want_assertions_signed), unsolicited answers are
refused, and the person is matched by one attribute (SAML_ATTRIBUTE) to one field.

The answer arrives as a cross-site POST, which carries no SameSite=Lax session cookie: the
sign-in works on djangosaml2's own SameSite=None session, and a re-authentication for a
signature is handed over to the signed-in session by one more redirect (saml_reauth_done),
where this person and this freshness are checked.
"""

import datetime
import logging
import shutil
import time
from urllib.parse import parse_qs, urlsplit

import saml2
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from djangosaml2 import views as saml_views
from saml2.config import SPConfig
from saml2.response import UnsolicitedResponse

from people.audit import audit
from people.models import User
from people.sso import common

logger = logging.getLogger(__name__)

REAUTH_RESULT = "reauth_result"
_configs: dict[str, tuple[float, SPConfig]] = {}
_origins: list[str] = []  # the loaded configuration's provider origins, read once per load
# Remote metadata is read again after this long, so a federation's new signing key is taken.
METADATA_SECONDS = 3600


def saml_configured() -> bool:
    return bool(settings.SAML_IDP_METADATA_URL or settings.SAML_IDP_METADATA_FILE)


def _settings_dict() -> dict:
    base = settings.SITE_URL.rstrip("/")
    metadata: dict = {}
    if settings.SAML_IDP_METADATA_FILE:
        metadata["local"] = [settings.SAML_IDP_METADATA_FILE]
    if settings.SAML_IDP_METADATA_URL:
        remote = {"url": settings.SAML_IDP_METADATA_URL}
        if settings.SAML_IDP_METADATA_CERT:
            remote["cert"] = settings.SAML_IDP_METADATA_CERT
        metadata["remote"] = [remote]
    signing = bool(settings.SAML_KEY_FILE and settings.SAML_CERT_FILE)
    config = {
        "entityid": settings.SAML_ENTITY_ID or f"{base}/saml2/metadata/",
        "xmlsec_binary": shutil.which("xmlsec1") or "/usr/bin/xmlsec1",
        "allow_unknown_attributes": True,
        "accepted_time_diff": settings.SSO_CLOCK_LEEWAY_SECONDS,
        # Fetching remote metadata gives up after this long instead of holding a worker.
        "http_client_timeout": settings.SSO_TIMEOUT_SECONDS,
        "metadata": metadata,
        "service": {
            "sp": {
                "name": settings.SAML_NAME or "Appraisal",
                "endpoints": {
                    "assertion_consumer_service": [(f"{base}/saml2/acs/", saml2.BINDING_HTTP_POST)],
                    "single_logout_service": [
                        (f"{base}/saml2/ls/", saml2.BINDING_HTTP_REDIRECT),
                        (f"{base}/saml2/ls/post/", saml2.BINDING_HTTP_POST),
                    ],
                },
                # A signed assertion, always: an unsigned or altered one is refused.
                "want_assertions_signed": True,
                "want_response_signed": False,
                "allow_unsolicited": False,
                "authn_requests_signed": signing,
                "logout_requests_signed": signing,
                "required_attributes": [settings.SAML_ATTRIBUTE]
                if settings.SAML_ATTRIBUTE != "name_id"
                else [],
                "name_id_format_allow_create": True,
            }
        },
    }
    if signing:
        config["key_file"] = settings.SAML_KEY_FILE
        config["cert_file"] = settings.SAML_CERT_FILE
        config["encryption_keypairs"] = [
            {"key_file": settings.SAML_KEY_FILE, "cert_file": settings.SAML_CERT_FILE}
        ]
    return config


def sp_config(request=None) -> SPConfig:
    """djangosaml2's SAML_CONFIG_LOADER: the service provider's configuration from the
    settings, loaded (with the federation's metadata) once an hour rather than per request."""
    if not saml_configured():
        raise Http404
    config = _settings_dict()
    key = repr(sorted(config.items()))
    loaded = _configs.get(key)
    if loaded is None or time.monotonic() - loaded[0] > METADATA_SECONDS:
        conf = SPConfig()
        conf.load(config)
        loaded = (time.monotonic(), conf)
        _configs.clear()
        _configs[key] = loaded
        _origins.clear()
    return loaded[1]


class Refused(PermissionDenied):
    def __init__(self, reason: str, identity: common.Identity | None = None):
        super().__init__(reason)
        self.reason = reason
        self.identity = identity


def _authenticated_at(session_info: dict) -> float:
    for _class, _authorities, instant in session_info.get("authn_info") or []:
        if instant:
            try:
                return datetime.datetime.fromisoformat(instant.replace("Z", "+00:00")).timestamp()
            except ValueError:
                continue
    return 0.0


def _identity(session_info: dict) -> common.Identity:
    attribute = settings.SAML_ATTRIBUTE
    if attribute == "name_id":
        name_id = session_info.get("name_id")
        value = getattr(name_id, "text", "") or ""
    else:
        values = (session_info.get("ava") or {}).get(attribute) or []
        value = values[0] if values else ""
    return common.Identity(
        method=common.SAML,
        claim=attribute,
        value=str(value)[:254],
        authenticated_at=_authenticated_at(session_info),
    )


@method_decorator(login_not_required, name="dispatch")
class LoginView(saml_views.LoginView):
    """djangosaml2's login, asking the provider for a fresh authentication (ForceAuthn)
    when it starts a re-authentication for a signature."""

    def dispatch(self, request, *args, **kwargs):
        if not saml_configured():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def _reauth(self) -> bool:
        return self.request.GET.get("reauth") == "1" and self.request.user.is_authenticated

    def should_prevent_auth(self, request) -> bool:
        return request.user.is_authenticated and not self._reauth()

    def load_sso_kwargs(self, sso_kwargs):
        if self._reauth():
            sso_kwargs["force_authn"] = "true"


@method_decorator(login_not_required, name="dispatch")
class AssertionConsumerServiceView(saml_views.AssertionConsumerServiceView):
    """djangosaml2's assertion consumer, matching the person and never creating one."""

    def handle_acs_failure(self, request, exception=None, status=403, **kwargs):
        if isinstance(exception, Refused):
            return common.refuse(
                request, method=common.SAML, reason=exception.reason, identity=exception.identity
            )
        logger.warning("SAML answer refused: %r", exception)
        # An answer to no request of this browser's is anybody's to send: refused, not logged.
        unsolicited = isinstance(exception, UnsolicitedResponse) or exception is None
        return common.refuse(
            request,
            method=common.SAML,
            reason="unverified",
            claim_value=type(exception).__name__ if exception else "",
            record=not unsolicited,
        )

    def authenticate_user(
        self, request, session_info, attribute_mapping, create_unknown_user, assertion_info
    ):
        expected = expected_issuer()
        if session_info.get("issuer") != expected:
            # Federation metadata names many identity providers, each of which can sign: only
            # the one configured may say who somebody is here.
            raise Refused("unverified", _identity(session_info))
        identity = _identity(session_info)
        if not identity.value:
            raise Refused("no_claim", identity)
        person, why = common.person_matching(settings.SAML_MATCH, identity.value)
        # Whether this answers a re-authentication, and which, is read from the request it
        # answers (pysaml2 matched InResponseTo to the request this browser made, and keeps
        # where it was to return), never from the RelayState the browser carries back.
        came_from = session_info.get("came_from") or ""
        if came_from.startswith(reverse("saml_reauth_done")):
            if person is None:
                raise Refused("other_person" if why == "unknown" else why, identity)
            request.saml_session[REAUTH_RESULT] = {
                "user": person.pk,
                "at": identity.authenticated_at,
                "claim": identity.claim,
                "value": identity.value,
                "token": parse_qs(urlsplit(came_from).query).get("t", [""])[0],
                "next": came_from,
            }
            return person
        if person is None:
            raise Refused(why, identity)
        if session_info.get("name_id") is None:
            raise Refused("no_claim", identity)
        common.sign_in(request, user=person, identity=identity)
        saml_views._set_subject_id(request.saml_session, session_info["name_id"])
        return person

    def custom_redirect(self, user, relay_state, session_info):
        # Back where the request said, not where the RelayState says (the browser's to change).
        came_from = session_info.get("came_from") or ""
        return common.safe_next(self.request, came_from) if came_from else None


def expected_issuer() -> str:
    """The identity provider whose answers count: SAML_IDP_ENTITY_ID, or the only one the
    metadata names. Federation metadata with several needs the setting (a system check says so)."""
    if settings.SAML_IDP_ENTITY_ID:
        return settings.SAML_IDP_ENTITY_ID
    conf = sp_config()
    providers = list(conf.metadata.identity_providers())
    return providers[0] if len(providers) == 1 else ""


def saml_reauth(request):
    """Off to the provider (ForceAuthn) to confirm who the signed-in person is, for a signature
    (only in a session signed in there: a password session signs with its password)."""
    if not saml_configured() or common.session_method(request) != common.SAML:
        raise Http404
    next_url = common.safe_next(request, request.GET.get("next"))
    token, _at = common.reauth_begin(request.session)
    done = reverse("saml_reauth_done") + "?" + urlencode({"next": next_url, "t": token})
    return HttpResponseRedirect(reverse("saml2_login") + "?" + urlencode({"reauth": "1", "next": done}))


def saml_reauth_done(request):
    """The provider's answer to a re-authentication, handed from djangosaml2's session to
    the signed-in one: this person, authenticated after the click that began this one
    (its token, `t`, names the start; each is spent once)."""
    if not saml_configured():
        raise Http404
    next_url = common.safe_next(request, request.GET.get("next"))
    result = request.saml_session.pop(REAUTH_RESULT, None) if hasattr(request, "saml_session") else None
    if common.session_method(request) != common.SAML:
        raise Http404
    # The start this answer counts from: the one its own request named (kept server-side).
    started = common.reauth_started_at(request.session, (result or {}).get("token", ""))
    if not result or started is None:
        return common.refuse(request, method=common.SAML, reason="not_fresh", back=next_url)
    identity = common.Identity(
        method=common.SAML, claim=result["claim"], value=result["value"], authenticated_at=result["at"]
    )
    matched = User.objects.filter(pk=result["user"]).first()
    if why := common.reauth_check(started, identity, request.user.pk, matched):
        return common.refuse(request, method=common.SAML, reason=why, identity=identity, back=next_url)
    common.reauth_store(request.session, user=request.user, identity=identity)
    audit("sign_reauthenticated", detail=identity.describe())
    return HttpResponseRedirect(next_url)


def saml_sign_out(request) -> HttpResponseRedirect:
    """djangosaml2's single logout (it ends the session here too, also where the provider
    has no logout service); where djangosaml2's own session is gone (its cookie lost, the
    metadata unreadable), the session here ends all the same."""
    from django.contrib.auth import logout

    subject = saml_views._get_subject_id(request.saml_session) if hasattr(request, "saml_session") else None
    try:
        usable = subject is not None and saml_configured() and sp_config() is not None
    except Exception:  # noqa: BLE001 -- signing out must never fail
        logger.exception("SAML configuration unreadable at sign-out")
        usable = False
    if not usable:
        logout(request)
        return HttpResponseRedirect(reverse(settings.LOGOUT_REDIRECT_URL))
    return HttpResponseRedirect(reverse("saml2_logout"))


class LogoutInitView(saml_views.LogoutInitView):
    """djangosaml2's single logout, only for a session signed in by SAML (else not found), and
    ending the session here even when the logout request cannot be made."""

    def get(self, request, *args, **kwargs):
        from django.contrib.auth import logout

        if common.session_method(request) != common.SAML:
            raise Http404
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            raise
        except Exception:  # noqa: BLE001 -- signing out must never fail
            logger.exception("SAML single logout could not be started")
            logout(request)
            return HttpResponseRedirect(reverse(settings.LOGOUT_REDIRECT_URL))


@method_decorator(login_not_required, name="dispatch")
class LogoutView(saml_views.LogoutView):
    """djangosaml2's logout service; a message it cannot read is a bad request, not a 500."""

    def do_logout_service(self, request, data, binding, *args, **kwargs):
        from django.http import HttpResponseBadRequest

        try:
            return super().do_logout_service(request, data, binding, *args, **kwargs)
        except Http404:
            raise
        except Exception as exc:  # noqa: BLE001 -- anybody can send this address anything
            logger.warning("SAML logout message refused: %r", exc)
            return HttpResponseBadRequest("The logout message could not be read.")


def idp_origins() -> list[str]:
    """The origins of the identity providers' sign-in and logout services (for the CSP),
    from the configuration already loaded; nothing is fetched for this."""
    if not _configs:
        return []
    if _origins:
        return _origins
    _at, conf = next(iter(_configs.values()))
    origins = set()
    try:
        for entity_id in conf.metadata.identity_providers():
            # The descriptors as loaded, not metadata.service(): that raises (and logs an
            # error) for every binding or service the provider lacks, e.g. an IdP with only
            # HTTP-Redirect, which cut the list short and logged a traceback on each page.
            for descriptor in conf.metadata[entity_id].get("idpsso_descriptor") or []:
                for kind in ("single_sign_on_service", "single_logout_service"):
                    for service in descriptor.get(kind) or []:
                        if service.get("binding") not in (
                            saml2.BINDING_HTTP_REDIRECT,
                            saml2.BINDING_HTTP_POST,
                        ):
                            continue
                        if origin := common.origin_of(service.get("location", "")):
                            origins.add(origin)
    except Exception:  # noqa: BLE001 -- the CSP must never break a page
        logger.exception("could not read the identity provider's addresses")
    _origins[:] = sorted(origins)
    return _origins
