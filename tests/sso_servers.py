"""Real identity providers for the single sign-on tests, on 127.0.0.1 and free ports.

OpenID Connect: oidc-provider-mock (a Flask app on Authlib's provider side), with a hook
that alters its token answer in flight, as an attacker or a broken provider would, for the
tests that each check of the ID token refuses it. SAML 2.0: pysaml2's own identity provider
class (saml2.server.Server) behind a small WSGI app, signing with xmlsec1.
"""

import base64
import contextlib
import json
import threading
import time
from dataclasses import dataclass, field

import werkzeug.serving


@contextlib.contextmanager
def serve(app):
    """A WSGI app on 127.0.0.1 and a free port, in a thread, for the with-block."""
    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


# --- OpenID Connect ------------------------------------------------------------------------


def text(response) -> str:
    """A page of the site under test as text, its HTML entities (an apostrophe) read."""
    import html

    return html.unescape(response.content.decode())


def _b64json(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


@dataclass
class OidcProvider:
    url: str = ""
    # What to alter in the next token answers: claim -> new value ("-" removes it), and
    # "wrong_key" to sign with a key the provider never published.
    tamper: dict = field(default_factory=dict)

    @property
    def discovery_url(self) -> str:
        return self.url + "/.well-known/openid-configuration"


def oidc_app(provider: OidcProvider):
    import flask
    import oidc_provider_mock
    from authlib.jose import JsonWebToken, RSAKey

    app = oidc_provider_mock.app(require_nonce=True)

    @app.after_request
    def alter(response):
        if flask.request.path != "/oauth2/token" or not provider.tamper or response.status_code != 200:
            return response
        body = response.get_json()
        header_part, claims_part, _signature = body["id_token"].split(".")
        header, claims = _b64json(header_part), _b64json(claims_part)
        for name, value in provider.tamper.items():
            if name == "wrong_key":
                continue
            if value == "-":
                claims.pop(name, None)
            else:
                claims[name] = value
        key = flask.g.oidc_provider_mock_storage.jwk
        if provider.tamper.get("wrong_key"):
            key = RSAKey.generate_key(is_private=True)
        token = JsonWebToken(["RS256"]).encode(header, claims, key)
        body["id_token"] = token.decode() if isinstance(token, bytes) else token
        response.set_data(json.dumps(body))
        return response

    return app


@contextlib.contextmanager
def oidc_provider():
    provider = OidcProvider()
    with serve(oidc_app(provider)) as url:
        provider.url = url
        yield provider


def oidc_configure(settings, provider: OidcProvider, **extra) -> None:
    settings.OIDC_DISCOVERY_URL = provider.discovery_url
    settings.OIDC_CLIENT_ID = "appraisal-tests"
    settings.OIDC_CLIENT_SECRET = "client-secret-for-tests"
    settings.OIDC_NAME = "Test IdP"
    for name, value in extra.items():
        setattr(settings, name, value)


def oidc_authorize(authorize_url: str, sub: str) -> str:
    """Sign in at the provider as `sub` (its form), answering where it sends the browser back."""
    import requests

    response = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text[:500]
    return response.headers["Location"]


def local(url: str) -> str:
    """The path and query of an address on the site under test."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def oidc_sign_in(client, provider: OidcProvider, sub: str, *, next_url: str = ""):
    """The whole sign-in with the Django test client: the answer of the callback."""
    start = client.get("/accounts/oidc/login/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302, start
    assert start.url.startswith(provider.url)
    return client.get(local(oidc_authorize(start.url, sub)))


def wait_until(predicate, seconds: float = 5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@contextlib.contextmanager
def oidc_provider_process():
    """The same provider in a process of its own (bench/run.py: its work is not counted in the
    measured process). Yields an OidcProvider whose tamper switch is not reachable."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.sso_servers"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        yield OidcProvider(url=url)
    finally:
        process.terminate()
        process.wait(10)
        process.stdout.close()


if __name__ == "__main__":
    import logging

    logging.disable(logging.CRITICAL)  # the provider's request log would fill the pipe
    with oidc_provider() as _provider:
        print(_provider.url, flush=True)
        threading.Event().wait()
