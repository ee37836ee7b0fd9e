from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = _("People and organisation")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from people import audit
        from people.middleware import remember_login_time
        from people.sso import checks  # noqa: F401 -- registers the single sign-on checks

        user_logged_in.connect(remember_login_time, dispatch_uid="people.remember_login_time")
        user_logged_in.connect(audit.on_login, dispatch_uid="people.audit_login")
        user_login_failed.connect(audit.on_login_failed, dispatch_uid="people.audit_login_failed")
        user_logged_out.connect(audit.on_logout, dispatch_uid="people.audit_logout")
        # The audit log names people and units; the other apps register their own kinds.
        from people.audit_log import register_people_kinds

        register_people_kinds()
