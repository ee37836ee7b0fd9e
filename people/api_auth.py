"""Bearer tokens for the integrations: the REST API (/api/v1/) and SCIM (/scim/v2/).

A token is shown once, when it is made; only its SHA-256 is kept, so a copy of the
database holds no token that works. A call names its token in `Authorization: Bearer`,
never in a cookie: a signed-in browser's session grants nothing here (and so no page can
make a browser call the API for its user), and the API ignores who is signed in.

Each call is counted per token and minute (API_RATE_LIMIT_PER_MINUTE): past it the answer
is 429 with Retry-After, the seconds until the minute ends. The count lives in the shared
cache; while the cache is down calls are not limited rather than refused.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from people.models import ApiToken

TOKEN_PREFIX = "apt_"
# The paths that answer to tokens only (see people.middleware.ApiRequestMiddleware).
API_PATHS = ("/api/", "/scim/")
# last_used_at is written at most this often per token: a busy integration makes no write per call.
LAST_USED_EVERY = 60


def is_api_path(path: str) -> bool:
    return path.startswith(API_PATHS)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def token_make() -> tuple[str, str]:
    """(the token to show once, its prefix to keep): "apt_" + 8 characters + "_" + 40 more."""
    prefix = secrets.token_hex(4)
    return f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(30)}", prefix


@dataclass
class ApiRefusal(Exception):
    """A call that is not allowed: 401 (no token that works), 403 (not its scope), 429."""

    status: int
    title: str
    detail: str
    headers: dict[str, str] = field(default_factory=dict)


def bearer_of(request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def token_authenticate(request, *, scope: str) -> ApiToken:
    """The live token the request names, allowed this scope and within its rate, or ApiRefusal.

    Sets request.api_token, which the middleware audits once the answer is known.
    """
    raw = bearer_of(request)
    token = None
    if raw.startswith(TOKEN_PREFIX) and len(raw) < 200 and raw.isascii():
        token = (
            ApiToken.objects.filter(digest=token_digest(raw), revoked_at__isnull=True)
            .filter(expires_at__gt=timezone.now())
            .first()
        )
    if token is None:
        raise ApiRefusal(
            401,
            _("Not signed in"),
            _("Send a token that is live (not expired or revoked) as “Authorization: Bearer <token>”."),
            {"WWW-Authenticate": 'Bearer realm="api"'},
        )
    request.api_token = token
    if scope not in token.scopes:
        raise ApiRefusal(
            403,
            _("Not allowed"),
            _("This token does not have the scope %(scope)s. Make a token with it.") % {"scope": scope},
        )
    wait = _rate_wait(token)
    if wait:
        raise ApiRefusal(
            429,
            _("Too many requests"),
            _("This token made more than %(limit)d calls this minute. Try again in %(seconds)d seconds.")
            % {"limit": settings.API_RATE_LIMIT_PER_MINUTE, "seconds": wait},
            {"Retry-After": str(wait)},
        )
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True)
            | Q(last_used_at__lt=now - timezone.timedelta(seconds=LAST_USED_EVERY))
        ).update(last_used_at=now)
    return token


def _rate_wait(token: ApiToken) -> int:
    """0 while the token is within its calls for this minute, else the seconds to wait."""
    limit = settings.API_RATE_LIMIT_PER_MINUTE
    if not limit:
        return 0
    now = time.time()
    key = f"api-rate:{token.prefix}:{int(now // 60)}"
    try:
        cache.add(key, 0, 90)
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr, or the cache is down: not limited
        return 0
    if count is None or count <= limit:
        return 0
    return max(1, math.ceil(60 - now % 60))


def token_paths(token: ApiToken) -> tuple[str, ...] | None:
    """The unit paths a token sees (None: the whole organisation), for the dashboard's Viewer."""
    if token.whole_organisation:
        return None
    paths = set(token.units.values_list("path", flat=True))
    # A unit inside another adds nothing and would count its units twice in a filter.
    return tuple(sorted(p for p in paths if not any(p != q and p.startswith(q) for q in paths)))
