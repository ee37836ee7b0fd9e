"""The project's URLs plus /bench/ping: a fixed string through the same middleware, the
fastest answer this stack gives here, that each page's throughput is compared with."""

from django.http import HttpResponse
from django.urls import include, path


def ping(request):
    return HttpResponse("pong", content_type="text/plain")


urlpatterns = [path("bench/ping", ping), path("", include("config.urls"))]
