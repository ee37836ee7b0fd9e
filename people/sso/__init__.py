"""Single sign-on: OpenID Connect (people/sso/oidc.py, on Authlib) and SAML 2.0
(people/sso/saml.py, on djangosaml2 and pysaml2), and what both share (people/sso/common.py):
who may come in, the refusal page, how a session remembers the way its person signed in, and
the fresh re-authentication a signature needs.

People come from the HR import; a provider's identity is matched to one of them by one claim
(or attribute) and one field of the person, and never creates an account.
"""
