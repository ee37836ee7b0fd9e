"""The error pages: 404, 403 (and a failed CSRF check), 500, each in the person's language,
with the menu, saying what happened and what to do.

Django's own handlers would pass the exception's message to the template. None is passed
here: a 404 for somebody else's interview must read exactly like one for a missing page.
"""

import logging

from django.http import HttpResponseServerError
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from people.middleware import is_fragment_request, signed_out_response

logger = logging.getLogger(__name__)


# These can run where CsrfViewMiddleware.process_view did not (an address that matches no
# URL), hence requires_csrf_token: the menu's "Log out" and the language chooser are forms.
@requires_csrf_token
def page_not_found(request, exception):
    return render(request, "404.html", status=404)


@requires_csrf_token
def permission_denied(request, exception):
    return render(request, "403.html", status=403)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent with an expired or missing token. The reason stays in the
    log (CsrfViewMiddleware writes it), not on the page.

    An autosave or fragment from a page whose session has ended (its cookies gone) fails
    this check before it reaches the login check: it gets the same 401 as there, which the
    page understands (it keeps the text and asks to sign in again), not this page.
    """
    user = getattr(request, "user", None)
    if is_fragment_request(request) and not (user and user.is_authenticated):
        return signed_out_response()
    return render(request, "403.html", {"csrf_failure": True}, status=403)


@requires_csrf_token
def server_error(request):
    """The 500 page, which must not fail in its turn.

    First with the request, so that the menu shows; the menu reads the database, which may be
    what failed. Then without it: the same page without the menu (the user's language is
    still active, the middleware set it). Last, a few lines of plain HTML.
    """
    try:
        return render(request, "500.html", status=500)
    except Exception:
        logger.exception("The 500 page could not be shown with the menu")
    try:
        body = render_to_string("500.html", {"request": request, "csrf_token": get_token(request)})
        return HttpResponseServerError(body)
    except Exception:
        logger.exception("The 500 page could not be shown; answering with plain HTML")
    return HttpResponseServerError(_plain_500())


def _plain_500() -> str:
    try:
        return format_html(
            '<!doctype html><html lang="{}"><head><meta charset="utf-8"><title>{}</title></head>'
            '<body><h1>{}</h1><p>{}</p><p><a href="{}">{}</a></p></body></html>',
            get_language() or "en",
            _("Something went wrong"),
            _("Something went wrong on our side"),
            _(
                "It was nothing you did, and what you saved before is kept. Wait a minute and try "
                "again; if you were sending a form, check afterwards whether it was saved."
            ),
            reverse("home"),
            _("Go to the home page"),
        )
    except Exception:
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Something went wrong</title>'
            "</head><body><h1>Something went wrong on our side</h1><p>Wait a minute and try again.</p>"
            "</body></html>"
        )
