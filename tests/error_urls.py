"""The site's URLs and error handlers, plus two views that fail, for tests/test_error_pages.py."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from config import urls


def fails(request):
    raise RuntimeError("a view that fails, for the 500 page's tests")


def refuses(request):
    raise PermissionDenied("a view that refuses, for the 403 page's tests")


handler403 = urls.handler403
handler404 = urls.handler404
handler500 = urls.handler500

urlpatterns = [
    path("test-only/fails/", fails),
    path("test-only/refuses/", refuses),
    *urls.urlpatterns,
]
