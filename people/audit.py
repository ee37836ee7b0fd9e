"""The audit log: one call, audit(), from services and views; the request's who and where
come from a context variable the middleware sets, so services need no request.

What is logged: sign-ins (and failed ones), sign-outs, every state change, shares and
signatures, exports and downloads, HR nudges, imports, and every refused access (a page
answered "not found" to a signed-in person). Never the text of an answer.
"""

import contextvars
import ipaddress
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.http import Http404
from ipware import get_client_ip

from people.api_auth import is_api_path
from people.models import AuditEntry, User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Request:
    user: User | None
    ip: str | None
    path: str


_current: contextvars.ContextVar[_Request | None] = contextvars.ContextVar("audit_request", default=None)


def _address(value) -> str | None:
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The address a request came from, for the audit log and the login throttle alike
    (django-axes calls this too: AXES_CLIENT_IP_CALLABLE).

    X-Forwarded-For is anybody's to write. It is read only behind the proxies the settings
    name (TRUSTED_PROXY_COUNT, and TRUSTED_PROXIES for where they connect from), and then
    only the entry the nearest of them appended, counted from the right, which django-ipware
    finds; elsewhere, and for a connection that does not come from a trusted proxy, the
    connection's own address counts.
    """
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    count = settings.TRUSTED_PROXY_COUNT
    if count < 1 or remote is None:
        return remote
    networks = settings.TRUSTED_PROXY_NETWORKS
    if networks and not any(ipaddress.ip_address(remote) in network for network in networks):
        return remote
    # django-ipware counts the proxies inside the header: the nearest one is REMOTE_ADDR.
    forwarded, _routable = get_client_ip(
        request,
        proxy_order="left-most",
        proxy_count=count - 1,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=False,
    )
    return _address(forwarded) if forwarded else remote


def audit(
    action: str,
    *,
    actor: User | None = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    detail: str = "",
    actor_email: str = "",
) -> AuditEntry:
    """Write one entry. actor defaults to the signed-in person of the current request."""
    request = _current.get()
    if actor is None and request is not None and request.user is not None:
        actor = request.user
    if obj is not None:
        object_type, object_id = obj._meta.label_lower, obj.pk
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_email=actor_email or (actor.email if actor is not None and actor.pk else ""),
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        ip=request.ip if request else None,
        path=(request.path if request else "")[:300],
        detail=detail[:300],
    )


class AuditMiddleware:
    """Tells audit() who and where, and logs every "not found" a signed-in person gets."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A call to the API is the token's, never a browser session's (people.api_auth).
        user = request.user if request.user.is_authenticated and not is_api_path(request.path) else None
        token = _current.set(_Request(user=user, ip=client_ip(request), path=request.path))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)

    def process_exception(self, request, exception):
        if isinstance(exception, Http404) and request.user.is_authenticated and not is_api_path(request.path):
            audit("access_refused", detail=request.method)
        return None


# --- sign-in events (django.contrib.auth signals, connected in PeopleConfig.ready) -------


def on_login(sender, request, user, **kwargs):
    token = _current.set(_Request(user=user, ip=client_ip(request), path=request.path))
    try:
        identity = getattr(request, "sso_identity", None)
        if identity is not None:
            # The provider and the claim that matched the person; never a token.
            audit("login", actor=user, detail=identity.describe())
        elif not settings.PASSWORD_LOGIN:
            # Passwords are off but for administrators: the break-glass login.
            audit("login_break_glass", actor=user, detail="password")
        else:
            audit("login", actor=user, detail="password")
    finally:
        _current.reset(token)


def on_login_failed(sender, credentials, request=None, **kwargs):
    if request is None:
        return
    token = _current.set(_Request(user=None, ip=client_ip(request), path=request.path))
    try:
        typed = str(credentials.get("username") or credentials.get("email") or "")[:254]
        audit("login_failed", actor_email=typed)
    finally:
        _current.reset(token)


def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit("logout", actor=user)
