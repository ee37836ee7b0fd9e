"""scim2-tester, the SCIM compliance checker, against the live server over HTTP."""

import datetime

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from people.services import api_token_create


@pytest.mark.real_services
@pytest.mark.conformance
def test_scim2_tester_passes_every_check_that_applies(live_server, org, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 0
    _token, raw = api_token_create(
        by=org.admin,
        name="Entra ID",
        scopes=["scim"],
        expires_on=datetime.date.today() + datetime.timedelta(days=2),
        whole_organisation=True,
    )
    with httpx2.Client(
        base_url=f"{live_server.url}/scim/v2", headers={"Authorization": f"Bearer {raw}"}, timeout=10
    ) as http:
        client = SyncSCIMClient(http)
        results = check_server(client, raise_exceptions=False)
    failed = [f"{r.title}: {r.reason}" for r in results if r.status not in (Status.SUCCESS, Status.SKIPPED)]
    assert not failed, "\n".join(failed)
    # Every check of a Users-only provider ran: discovery, each CRUD step, PATCH add, replace
    # and remove, search by POST, attributes= and excludedAttributes=, unknown URLs.
    ran = {r.title for r in results if r.status == Status.SUCCESS}
    assert {
        "service_provider_config_endpoint",
        "query_all_resource_types",
        "query_all_schemas",
        "object_creation",
        "object_query",
        "object_query_without_id",
        "object_query_with_attributes",
        "object_list_with_attributes",
        "search_with_attributes",
        "object_replacement",
        "object_deletion",
        "check_add_attribute",
        "check_replace_attribute",
        "check_remove_attribute",
        "random_url",
    } <= ran
