from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UserBackend(ModelBackend):
    """Django's ModelBackend, loading the signed-in person with their HR role in one query.

    Every page asks whether the person is HR (access checks and the menu); read with the
    user itself, that answer stays fresh on every request and costs no query of its own.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        # With PASSWORD_LOGIN off a password signs in administrators only (the break-glass
        # login); everybody else signs in at the identity provider.
        if user is not None and not settings.PASSWORD_LOGIN and not user.is_staff:
            return None
        return user

    def get_user(self, user_id):
        User = get_user_model()
        try:
            user = User._default_manager.select_related("hr_role").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


def login_throttle_username(request, credentials) -> str | None:
    """The name django-axes counts failed logins under: the address as typed, in lower case and
    cut to what an address can be, from any login form (the admin's too), so that a 300-character
    name is not written to its 255-character column and "Eva@" and "eva@" count as one."""
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        value = getattr(request, "POST", {}).get("username")
    if value is None:
        return None
    return str(value).strip().lower()[:254]
