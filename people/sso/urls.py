from django.contrib.auth.decorators import login_not_required
from django.urls import path
from djangosaml2 import views as saml_views

from people.sso import oidc, saml

# Names without a namespace: djangosaml2 reverses its own ("saml2_login", "saml2_acs", ...).
urlpatterns = [
    path("accounts/oidc/login/", oidc.oidc_login, name="oidc_login"),
    path("accounts/oidc/callback/", oidc.oidc_callback, name="oidc_callback"),
    path("accounts/oidc/reauth/", oidc.oidc_reauth, name="oidc_reauth"),
    path("accounts/saml/reauth/", saml.saml_reauth, name="saml_reauth"),
    path("accounts/saml/reauth/done/", saml.saml_reauth_done, name="saml_reauth_done"),
    path("saml2/login/", saml.LoginView.as_view(), name="saml2_login"),
    path("saml2/acs/", saml.AssertionConsumerServiceView.as_view(), name="saml2_acs"),
    path("saml2/logout/", saml.LogoutInitView.as_view(), name="saml2_logout"),
    path("saml2/ls/", saml.LogoutView.as_view(), name="saml2_ls"),
    path("saml2/ls/post/", saml.LogoutView.as_view(), name="saml2_ls_post"),
    path("saml2/metadata/", login_not_required(saml_views.MetadataView.as_view()), name="saml2_metadata"),
]
