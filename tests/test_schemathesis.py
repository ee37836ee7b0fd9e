"""schemathesis against the served OpenAPI schema, on the live server, with a token of each scope.

Every operation is called with generated valid and invalid input: no 500, every answer
conforms to the schema (status, content type, headers, body), every operation refuses a
call without its token, and an undocumented method is refused.
"""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest

from people.models import ApiScope
from people.services import api_token_create
from tests.factories import CycleFactory, InterviewFactory

ST = Path(sys.executable).with_name("st")


# Each token is fuzzed on the operations its scope allows (the rest answer it 403, which
# one short run with the SCIM token, allowed none of them, checks everywhere).
OPERATIONS = {
    ApiScope.ORG_READ: ["units_list", "people_list", "reporting_lines_list"],
    ApiScope.ORG_WRITE: ["org_import"],
    ApiScope.FIGURES_READ: ["cycles_list", "cycle_figures", "cycle_interviews"],
    ApiScope.SCIM: [],
}


@pytest.mark.real_services
@pytest.mark.conformance
@pytest.mark.parametrize("scope", list(ApiScope.values))
def test_schemathesis_finds_nothing_with_a_token_of_each_scope(live_server, org, settings, scope, tmp_path):
    settings.API_RATE_LIMIT_PER_MINUTE = 0
    cycle = CycleFactory(state="open")
    cycle.units.set([org.root])
    InterviewFactory(cycle=cycle, employee=org.employee, partner=org.manager, unit=org.unit_a)
    _token, raw = api_token_create(
        by=org.admin,
        name=f"schemathesis {scope}",
        scopes=[scope],
        expires_on=datetime.date.today() + datetime.timedelta(days=2),
        whole_organisation=True,
    )
    result = subprocess.run(
        [
            str(ST),
            "--config-file",
            str(Path(__file__).with_name("schemathesis.toml")),
            "run",
            f"{live_server.url}/api/v1/openapi.json",
            "--header",
            f"Authorization: Bearer {raw}",
            "--checks",
            "all",
            *[arg for operation in OPERATIONS[scope] for arg in ("--include-operation-id", operation)],
            "--max-examples",
            os.environ.get("SCHEMATHESIS_EXAMPLES", "25") if OPERATIONS[scope] else "5",
            "--seed",
            "22",
            "--workers",
            "1",
            "--request-timeout",
            "20",
            "--report-dir",
            str(tmp_path),
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
