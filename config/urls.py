from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.api import api
from interviews import views as interview_views
from people import notifications, scim
from people import views as people_views
from people.forms import QueuedPasswordResetForm
from people.sso import views as sso_views

urlpatterns = [
    path("", interview_views.home, name="home"),
    path("healthz", people_views.healthz, name="healthz"),
    path("account/language/", people_views.language_set, name="language_set"),
    path("account/reminders/", notifications.notification_list, name="notifications"),
    path("account/reminders/read/", notifications.notifications_read, name="notifications_read"),
    path("accounts/login/", sso_views.SignInView.as_view(), name="login"),
    # The administrators' password login while PASSWORD_LOGIN is off (rate-limited by
    # django-axes like every login, and audited as a break-glass sign-in).
    path("accounts/admin-login/", sso_views.SignInView.as_view(break_glass=True), name="login_break_glass"),
    path("accounts/logout/", sso_views.sign_out, name="logout"),
    path(
        "accounts/password_reset/",
        sso_views.passwords_only(auth_views.PasswordResetView.as_view(form_class=QueuedPasswordResetForm)),
        name="password_reset",
    ),
    path(
        "accounts/password_reset/done/",
        sso_views.passwords_only(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        sso_views.passwords_only(people_views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        sso_views.passwords_only(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
    path(
        "accounts/password_change/",
        sso_views.passwords_only(auth_views.PasswordChangeView.as_view(), administrators=True),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        sso_views.passwords_only(auth_views.PasswordChangeDoneView.as_view(), administrators=True),
        name="password_change_done",
    ),
    path("", include("people.sso.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("hr/", include("people.urls")),
    path("", include("interviews.urls")),
    path("goals/", include("goals.urls")),
    path("admin/", admin.site.urls),
    # The integrations: answered to bearer tokens only (people/api_auth.py).
    path("api/v1/", api.urls),
    path("scim/v2/", include(scim.urlpatterns)),
]

# The error pages, in the person's language and with the menu (see config/errors.py).
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
