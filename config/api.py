"""The REST API at /api/v1/: one django-ninja API with each app's router (wired in config/urls.py).

django-ninja rather than Django REST framework with drf-spectacular: the endpoint's type
hints are at once its input validation, its output and its OpenAPI 3 schema, so the schema
that schemathesis checks the answers against is the code itself; and Swagger UI ships in
the package, served from our static files with no inline script (our CSP holds), where
drf-spectacular loads it from a CDN unless one more package is added.

Every error is RFC 9457 problem details (application/problem+json), the schema says so for
every endpoint, and no endpoint answers without a token.
"""

from __future__ import annotations

from django.http import Http404
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from interviews.api import router as cycles_router
from people.api import router as organisation_router
from people.api_auth import ApiRefusal

PROBLEM_TYPE = "application/problem+json"


class Api(NinjaAPI):
    def create_response(self, request, data, *, status=None, temporal_response=None):
        response = super().create_response(request, data, status=status, temporal_response=temporal_response)
        if response.status_code >= 400:
            response["Content-Type"] = f"{PROBLEM_TYPE}; charset=utf-8"
        return response

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content[PROBLEM_TYPE] = content.pop("application/json")
                    if int(status) == 429:
                        response["headers"] = {
                            "Retry-After": {
                                "description": "Seconds to wait before the next call.",
                                "schema": {"type": "integer"},
                            }
                        }
        return schema


api = Api(
    title="Performance assessment interviews",
    version="1",
    description=(
        "Units, people and reporting lines (read, and written as an import); cycles, their "
        "figures per unit and their interviews' states and dates. Never what anybody wrote for "
        "a talk. Each call needs a token (made by an administrator or HR) with its scope, sent "
        "as `Authorization: Bearer <token>`; a token sees only the units it was made for."
    ),
    urls_namespace="api",
    docs=Swagger(settings={"persistAuthorization": False}),
    renderer=JSONRenderer(),
)
api.add_router("/", organisation_router)
api.add_router("/", cycles_router)


def problem(request, status: int, title: str, detail: str = "", errors=None, headers=None):
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    response = api.create_response(request, body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(ApiRefusal)
def _refused(request, exc: ApiRefusal):
    return problem(request, exc.status, exc.title, exc.detail, headers=exc.headers)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return problem(
        request,
        401,
        "Not signed in",
        "Send a live token as “Authorization: Bearer <token>”.",
        headers={"WWW-Authenticate": 'Bearer realm="api"'},
    )


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    errors = [
        {"field": ".".join(str(part) for part in error.get("loc", ())), "message": error.get("msg", "")}
        for error in exc.errors
    ]
    return problem(request, 422, "The request is not valid", "Correct the fields listed.", errors=errors)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problem(request, 404, "Not found", "There is nothing here that this token may see.")


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return problem(request, exc.status_code, str(exc))
