from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from interviews import views as interview_views
from people import notifications
from people import views as people_views
from people.forms import LoginForm, QueuedPasswordResetForm

urlpatterns = [
    path("", interview_views.home, name="home"),
    path("healthz", people_views.healthz, name="healthz"),
    path("account/language/", people_views.language_set, name="language_set"),
    path("account/reminders/", notifications.notification_list, name="notifications"),
    path("account/reminders/read/", notifications.notifications_read, name="notifications_read"),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=QueuedPasswordResetForm),
        name="password_reset",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        people_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("hr/", include("people.urls")),
    path("", include("interviews.urls")),
    path("goals/", include("goals.urls")),
    path("admin/", admin.site.urls),
]

# The error pages, in the person's language and with the menu (see config/errors.py).
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
