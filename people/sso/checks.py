"""System checks for the single sign-on settings (manage.py check, and every start): a
half-configured provider fails at start, with the setting to fix, not at someone's sign-in."""

import os
import shutil

from django.conf import settings
from django.core.checks import Error, Warning, register

from people.sso.common import MATCH_FIELDS


@register()
def sso_settings(app_configs, **kwargs):
    problems = []
    if settings.OIDC_DISCOVERY_URL:
        if not settings.OIDC_CLIENT_ID:
            problems.append(Error("OIDC_DISCOVERY_URL is set but OIDC_CLIENT_ID is not.", id="people.E101"))
        if "openid" not in settings.OIDC_SCOPES.split():
            problems.append(Error("OIDC_SCOPES must include openid.", id="people.E102"))
        if settings.OIDC_MATCH not in MATCH_FIELDS:
            problems.append(Error(f"OIDC_MATCH must be one of {', '.join(MATCH_FIELDS)}.", id="people.E103"))
    if settings.SAML_IDP_METADATA_URL or settings.SAML_IDP_METADATA_FILE:
        if not shutil.which("xmlsec1"):
            problems.append(Error("SAML needs xmlsec1: apt-get install xmlsec1.", id="people.E104"))
        if settings.SAML_MATCH not in MATCH_FIELDS:
            problems.append(Error(f"SAML_MATCH must be one of {', '.join(MATCH_FIELDS)}.", id="people.E105"))
        for name in ("SAML_IDP_METADATA_FILE", "SAML_KEY_FILE", "SAML_CERT_FILE"):
            path = getattr(settings, name)
            if path and not os.path.isfile(path):
                problems.append(Error(f"{name}: no file at {path}.", id="people.E106"))
        if settings.SAML_IDP_METADATA_URL and not settings.SAML_IDP_ENTITY_ID:
            problems.append(
                Warning(
                    "SAML_IDP_METADATA_URL without SAML_IDP_ENTITY_ID: answers count only while the "
                    "metadata names a single identity provider; a federation's names many, and then "
                    "every sign-in is refused until SAML_IDP_ENTITY_ID says which one is yours.",
                    id="people.W102",
                )
            )
        if bool(settings.SAML_KEY_FILE) != bool(settings.SAML_CERT_FILE):
            problems.append(Error("SAML_KEY_FILE and SAML_CERT_FILE go together.", id="people.E107"))
    if not settings.PASSWORD_LOGIN and not (
        settings.OIDC_DISCOVERY_URL or settings.SAML_IDP_METADATA_URL or settings.SAML_IDP_METADATA_FILE
    ):
        problems.append(
            Warning(
                "PASSWORD_LOGIN is off and no identity provider is configured: only administrators can "
                "sign in (at /accounts/admin-login/).",
                id="people.W101",
            )
        )
    return problems
