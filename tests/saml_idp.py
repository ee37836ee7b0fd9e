"""A real SAML 2.0 identity provider for the single sign-on tests: pysaml2's own IdP class
(saml2.server.Server) behind a small WSGI app on 127.0.0.1 and a free port, signing with
xmlsec1 and a key pair it makes for itself at start.

    /metadata       its metadata (what the site under test is given as SAML_IDP_METADATA_FILE)
    /sso/redirect   single sign-on, HTTP-Redirect binding: a login form (field "username"),
                    or, without ForceAuthn and with a session here, the old session's answer
    /sso/login      the form's POST: the signed answer, as an HTTP-POST form to the ACS
    /slo/redirect   single logout, HTTP-Redirect binding both ways

The service provider it knows is the site's own configuration (SITE_URL http://testserver,
the Django test client's host), built from people.sso.saml's settings, never fetched.

Switches for the tests, on the SamlIdp object: `unsigned` (the assertion is not signed),
`alter` (a new mail value written into the signed XML after signing, which breaks the
signature) and `ignore_force_authn` (answer from the old session even when the request
says ForceAuthn="true", as a careless provider would).
"""

import base64
import contextlib
import datetime
import html
import secrets
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urljoin

SP_BASE = "http://testserver"
# The session cookie of the identity provider's "browser" (SamlIdp.browser).
IDP_COOKIE = "idp_session"


# --- keys ----------------------------------------------------------------------------------


def make_key_pair(folder: Path, name: str = "idp") -> tuple[str, str]:
    """A fresh RSA key and a self-signed certificate for it, as PEM files in `folder`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Test SAML {name}")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = folder / f"{name}.key", folder / f"{name}.crt"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_file), str(cert_file)


# --- the identity provider -----------------------------------------------------------------


@dataclass
class SamlIdp:
    url: str = ""
    metadata_file: str = ""  # this provider's metadata, for SAML_IDP_METADATA_FILE
    # Switches (see the module's docstring); reset() puts them back.
    unsigned: bool = False
    alter: str = ""
    ignore_force_authn: bool = False
    # Whether requests must be signed (saml_idp(..., want_signed=True)).
    want_signed: bool = False
    # Who signed in here, and when (epoch seconds): the provider's own "sessions".
    sessions: dict[str, float] = field(default_factory=dict)
    # The AuthnRequests received, parsed (saml2.samlp.AuthnRequest), and the LogoutRequests.
    requests: list = field(default_factory=list)
    logouts: list = field(default_factory=list)
    # The answers given: {"username", "at" (the AuthnInstant, epoch seconds), "form" (whether
    # the person typed their name for it, or the old session answered)}.
    answers: list = field(default_factory=list)
    server: object = None  # saml2.server.Server
    browser: object = None  # a requests.Session: the person's browser at the provider
    _pending: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def entity_id(self) -> str:
        return self.url + "/metadata"

    @property
    def last_request(self):
        return self.requests[-1] if self.requests else None

    def reset(self) -> None:
        import requests

        self.unsigned, self.alter, self.ignore_force_authn = False, "", False
        self.sessions.clear()
        self.requests.clear()
        self.logouts.clear()
        self.answers.clear()
        self._pending.clear()
        if self.browser is not None:
            self.browser.close()
        self.browser = requests.Session()

    def age_sessions(self, seconds: float) -> None:
        """Move every session here `seconds` into the past: they signed in that long ago."""
        for username in self.sessions:
            self.sessions[username] -= seconds

    # --- what the WSGI app does ---

    def sso_redirect(self, request):
        from saml2 import BINDING_HTTP_REDIRECT
        from werkzeug.wrappers import Response

        saml_request = request.args.get("SAMLRequest")
        if not saml_request:
            return Response("no SAMLRequest", status=400)
        signature = request.args.get("Signature")
        if self.want_signed and not signature:
            return Response("this provider takes signed requests only", status=400)
        with self._lock:
            try:
                # With a signature, pysaml2 checks it (over the query string, as the
                # HTTP-Redirect binding signs it) against the service provider's certificate.
                parsed = self.server.parse_authn_request(
                    saml_request,
                    BINDING_HTTP_REDIRECT,
                    relay_state=request.args.get("RelayState") if signature else None,
                    sigalg=request.args.get("SigAlg") if signature else None,
                    signature=signature,
                )
            except Exception as exc:  # noqa: BLE001 -- any refusal is the test's answer
                return Response(f"refused: {type(exc).__name__}", status=400)
        if parsed is None:
            return Response("refused: the request's signature does not verify", status=400)
        authn_request = parsed.message
        self.requests.append(authn_request)
        relay_state = request.args.get("RelayState", "")
        forced = str(authn_request.force_authn).lower() in ("true", "1") and not self.ignore_force_authn
        username = request.cookies.get(IDP_COOKIE, "")
        if username in self.sessions and not forced:
            # Single sign-on: the old session answers, with the old AuthnInstant.
            return self.answer(authn_request, relay_state, username, self.sessions[username], form=False)
        token = secrets.token_urlsafe(12)
        self._pending[token] = (authn_request, relay_state)
        return Response(
            "<!doctype html><title>Test IdP</title><h1>Sign in at the test IdP</h1>"
            '<form method="post" action="/sso/login">'
            f'<input type="hidden" name="token" value="{token}">'
            '<label>Username <input name="username"></label><button>Sign in</button></form>',
            content_type="text/html; charset=utf-8",
        )

    def sso_login(self, request):
        from werkzeug.wrappers import Response

        pending = self._pending.pop(request.form.get("token", ""), None)
        username = request.form.get("username", "").strip()
        if pending is None or not username:
            return Response("unknown or spent login form", status=400)
        authn_request, relay_state = pending
        now = time.time()
        self.sessions[username] = now
        response = self.answer(authn_request, relay_state, username, now, form=True)
        response.set_cookie(IDP_COOKIE, username, httponly=True)
        return response

    def answer(self, authn_request, relay_state: str, username: str, authenticated_at: float, *, form: bool):
        """The signed Response (assertion signed, carrying `mail`, AuthnInstant =
        authenticated_at), as the self-posting HTML form of the HTTP-POST binding."""
        from saml2.saml import AUTHN_PASSWORD_PROTECTED
        from werkzeug.wrappers import Response

        self.answers.append({"username": username, "at": int(authenticated_at), "form": form})
        with self._lock:
            args = self.server.response_args(authn_request)
            xml = str(
                self.server.create_authn_response(
                    {"mail": [username]},
                    userid=username,
                    authn={"class_ref": AUTHN_PASSWORD_PROTECTED, "authn_instant": int(authenticated_at)},
                    sign_assertion=not self.unsigned,
                    sign_response=False,
                    **args,
                )
            )
        if self.alter:
            # After signing: the digest no longer matches what the signature covers.
            altered = xml.replace(f">{html.escape(username)}<", f">{html.escape(self.alter)}<")
            assert altered != xml, "the mail value was not found in the answer"
            xml = altered
        fields = {"SAMLResponse": base64.b64encode(xml.encode()).decode(), "RelayState": relay_state}
        inputs = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
            for name, value in fields.items()
        )
        return Response(
            "<!doctype html><title>Test IdP</title>"
            f'<form method="post" action="{html.escape(args["destination"])}">{inputs}'
            "<button>Continue</button></form>",
            content_type="text/html; charset=utf-8",
        )

    def slo_redirect(self, request):
        """Single logout started by the service provider: the session here ends, and the
        LogoutResponse goes back by redirect."""
        from saml2 import BINDING_HTTP_REDIRECT
        from werkzeug.wrappers import Response

        saml_request = request.args.get("SAMLRequest")
        if not saml_request:
            return Response("no SAMLRequest", status=400)
        with self._lock:
            parsed = self.server.parse_logout_request(saml_request, BINDING_HTTP_REDIRECT)
            message = parsed.message
            self.logouts.append(message)
            if message.name_id is not None:
                with contextlib.suppress(KeyError):
                    self.server.session_db.remove_authn_statements(message.name_id)
            logout = self.server.create_logout_response(message, [BINDING_HTTP_REDIRECT])
            binding, destination = self.server.pick_binding(
                "single_logout_service", [BINDING_HTTP_REDIRECT], "spsso", parsed
            )
            info = self.server.apply_binding(
                binding, str(logout), destination, request.args.get("RelayState", ""), response=True
            )
        self.sessions.pop(request.cookies.get(IDP_COOKIE, ""), None)
        location = dict(info["headers"])["Location"]
        response = Response(status=302, headers={"Location": location})
        response.delete_cookie(IDP_COOKIE)
        return response

    def metadata(self, _request):
        from werkzeug.wrappers import Response

        return Response(Path(self.metadata_file).read_text(), content_type="text/xml; charset=utf-8")

    def wsgi(self, environ, start_response):
        from werkzeug.wrappers import Request, Response

        request = Request(environ)
        routes = {
            ("GET", "/metadata"): self.metadata,
            ("GET", "/sso/redirect"): self.sso_redirect,
            ("POST", "/sso/login"): self.sso_login,
            ("GET", "/slo/redirect"): self.slo_redirect,
        }
        handler = routes.get((request.method, request.path))
        response = handler(request) if handler else Response("not here", status=404)
        return response(environ, start_response)


def _idp_config(idp: SamlIdp, key_file: str, cert_file: str, sp_metadata: str | None) -> dict:
    import shutil

    from saml2 import BINDING_HTTP_REDIRECT
    from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_TRANSIENT

    config = {
        "entityid": idp.entity_id,
        "xmlsec_binary": shutil.which("xmlsec1") or "/usr/bin/xmlsec1",
        "key_file": key_file,
        "cert_file": cert_file,
        "service": {
            "idp": {
                "name": "Test IdP",
                "endpoints": {
                    "single_sign_on_service": [(idp.url + "/sso/redirect", BINDING_HTTP_REDIRECT)],
                    "single_logout_service": [(idp.url + "/slo/redirect", BINDING_HTTP_REDIRECT)],
                },
                # Attributes by their OID names, with the friendly name beside ("mail").
                "policy": {"default": {"lifetime": {"minutes": 15}, "name_form": NAME_FORMAT_URI}},
                "name_id_format": [NAMEID_FORMAT_TRANSIENT],
                "want_authn_requests_signed": idp.want_signed,
            }
        },
    }
    if sp_metadata:
        config["metadata"] = {"local": [sp_metadata]}
    return config


def sp_metadata_xml(**overrides) -> str:
    """The site's service-provider metadata, as /saml2/metadata/ serves it, for these settings."""
    from django.test import override_settings
    from saml2.config import SPConfig
    from saml2.metadata import entity_descriptor

    from people.sso import saml

    settings = {"SITE_URL": SP_BASE, "SAML_IDP_METADATA_FILE": "-", "SAML_IDP_METADATA_URL": ""} | overrides
    with override_settings(**settings):
        config = saml._settings_dict()
    config.pop("metadata", None)  # the service provider's own description needs no IdP
    conf = SPConfig()
    conf.load(config)
    return str(entity_descriptor(conf))


@contextlib.contextmanager
def saml_idp(folder: Path, *, want_signed: bool = False, **sp_settings):
    """The identity provider, running, for the with-block; its files in `folder`. With
    want_signed it takes only signed requests (give the site's SAML_KEY_FILE and
    SAML_CERT_FILE in sp_settings, so that it knows the site's certificate)."""
    from saml2.config import IdPConfig
    from saml2.metadata import entity_descriptor
    from saml2.server import Server

    from tests.sso_servers import serve

    idp = SamlIdp(want_signed=want_signed)
    folder = Path(folder)
    with serve(idp.wsgi) as url:
        idp.url = url
        key_file, cert_file = make_key_pair(folder)
        own = IdPConfig()
        own.load(_idp_config(idp, key_file, cert_file, None))
        idp.metadata_file = str(folder / "idp-metadata.xml")
        Path(idp.metadata_file).write_text(str(entity_descriptor(own)))
        sp_file = folder / "sp-metadata.xml"
        sp_file.write_text(sp_metadata_xml(**sp_settings))
        conf = IdPConfig()
        conf.load(_idp_config(idp, key_file, cert_file, str(sp_file)))
        idp.server = Server(config=conf)
        idp.reset()
        try:
            yield idp
        finally:
            idp.browser.close()
            idp.server.close()


def saml_configure(settings, idp: SamlIdp, **extra) -> None:
    settings.SAML_IDP_METADATA_FILE = idp.metadata_file
    settings.SAML_IDP_METADATA_URL = ""
    settings.SAML_NAME = "Test federation"
    settings.SITE_URL = SP_BASE
    for name, value in extra.items():
        setattr(settings, name, value)


# --- the browser's part ----------------------------------------------------------------------


class _Form(HTMLParser):
    """The first form of a page: its action and its inputs' values."""

    def __init__(self):
        super().__init__()
        self.action, self.fields, self._done = None, {}, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._done:
            return
        if tag == "form" and self.action is None:
            self.action = attrs.get("action", "")
        elif tag == "input" and self.action is not None and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form" and self.action is not None:
            self._done = True


def page_form(page: str) -> tuple[str, dict]:
    parser = _Form()
    parser.feed(page)
    assert parser.action is not None, page[:500]
    return parser.action, parser.fields


def saml_at_idp(idp: SamlIdp, url: str, username: str) -> tuple[str, dict]:
    """At the provider with the AuthnRequest at `url`: its login form as `username` where it
    asks; answers the ACS address and the fields the browser would POST there."""
    page = idp.browser.get(url, timeout=10)
    assert page.status_code == 200, page.text[:500]
    action, fields = page_form(page.text)
    if "username" in fields:
        page = idp.browser.post(urljoin(url, action), data={**fields, "username": username}, timeout=10)
        assert page.status_code == 200, page.text[:500]
        action, fields = page_form(page.text)
    assert "SAMLResponse" in fields, page.text[:500]
    return action, fields


def saml_post(client, action: str, fields: dict):
    """The browser's POST of the provider's answer to the site (the Django test client)."""
    from tests.sso_servers import local

    assert action.startswith(SP_BASE + "/"), action
    return client.post(local(action), fields)


def saml_sign_in(client, idp: SamlIdp, username: str, next_url: str = ""):
    """The whole sign-in with the Django test client: the answer of the ACS."""
    start = client.get("/saml2/login/" + ("?" + urlencode({"next": next_url}) if next_url else ""))
    assert start.status_code == 302, start
    assert start.url.startswith(idp.url + "/sso/redirect?"), start.url
    return saml_post(client, *saml_at_idp(idp, start.url, username))
