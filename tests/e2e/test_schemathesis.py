"""A short schemathesis run against the real server's own `/openapi.json`.

Valid and invalid inputs generated from our schema, sent over HTTP to a real `authward serve`: no 5xx,
every response (errors included) matches the documented schema, status codes and content type, and
schema-invalid requests are refused with a 4xx. Generation (client-side CPU, not the server) is the cost, so
the run has a fixed example budget per mode shared by the operations (at most 25 and at least 5 each): the
run stays under a minute as routes are added. Generation is derandomised so a failure replays the same way,
and not shrunk (schemathesis prints a curl command to reproduce it).

The operations are walked in the test rather than with `@schema.parametrize()`: the schema is only known
once the server runs, and schemathesis' lazy `from_fixture` loader does not work with pytest 9
(`'Function' object has no attribute '_nodeid'`).

The stateful runs follow the document's OpenAPI links (api/openapi_links.py) with schemathesis' state
machine, one per group of linked operations: a session's refresh token to `POST /token` and `/signout`, its
access token to the signed-in routes, a new PAT to `POST /signin/pat`, user ids to the admin routes (with
the admin secret), under the same checks. A failing check is collected rather than raised: the server's
state moves on, so Hypothesis could not replay the run (schemathesis' own runner also ends a round at
such a replay); each failure carries its curl command.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Flaky, Unsatisfiable
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode

from authward.api.openapi_links import links_by_source
from tests.e2e.conftest import LiveServer, ServerFactory

pytestmark = pytest.mark.e2e

MAX_EXAMPLES = 25
MIN_EXAMPLES = 5
EXAMPLES_PER_MODE = 400  # shared by all operations: ~20 s per mode on a loaded CI machine
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]
# A schema-invalid request must get one of these; schemathesis' default list lacks 413, our answer to an
# over-long string that takes the body past max_body_bytes (and accepts 5xx here, which we never do).
REJECTION_STATUSES = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
ADMIN_SECRET = "schemathesis-admin-secret-0123456789-abcdef"
SCENARIOS = 60  # state machine runs per round, each of at most STEPS linked calls
STEPS = 8
MIN_STEPS = 150  # per group, and at most BUDGET_SECONDS each (the three: ~30 s on a loaded CI machine)
BUDGET_SECONDS = 20
# The stateful groups: the operations of one state machine, and the links that must carry a value to a 2xx.
GROUPS: dict[str, tuple[set[str], set[str]]] = {
    "session": ({"signUpEmailPassword", "signInEmailPassword", "refreshToken", "signOut", "getUser",
                 "exportUserData", "getUserMfa", "changeUserMfa"}, {"RefreshToken", "GetUser", "SignOut"}),
    # createPAT needs an expiresAt in the future, which generated dates seldom are: its link to
    # signInPAT is in the machine but not required
    "pat": ({"signUpEmailPassword", "createPAT", "listPATs", "signInPAT", "refreshToken"}, {"ListPATs", "RefreshToken"}),
    "admin": ({"signUpEmailPassword", "adminCreateUser", "adminGetUser", "adminUpdateUser", "adminListUserSessions",
               "adminRevokeSessions", "adminDisableUser", "adminEnableUser", "adminRemoveMfa", "adminDeleteUser",
               "refreshToken"}, {"AdminGetUser", "AdminUpdateUser", "AdminDisableUser"}),
}


@pytest.fixture(scope="module")
def server(server_factory: ServerFactory) -> LiveServer:
    # any password the schema allows is long enough: generated sign-ups succeed and the links have a session
    return server_factory(database="sqlite", password_hash_time_cost=1, password_hash_memory_kib=1024,
                          password_min_length=1, admin_secret=ADMIN_SECRET)


def load_schema(server: LiveServer, **config: Any) -> schemathesis.schemas.BaseSchema:
    """Our schema as the server serves it; requests go to that same server."""
    checks = {"checks": {"negative_data_rejection": {"expected-statuses": REJECTION_STATUSES}}}
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json",
                                           config=SchemathesisConfig.from_dict({**checks, **config}), timeout=10)
    schema.config.update(base_url=server.url)
    return schema


@pytest.fixture(scope="module")
def api_schema(server: LiveServer) -> schemathesis.schemas.BaseSchema:
    return load_schema(server)


def operation_test(operation: schemathesis.APIOperation, mode: GenerationMode, session: requests.Session,
                   examples: int) -> Callable[[], None]:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(session=session, checks=CHECKS, timeout=10)

    return run


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_every_operation_conforms_to_its_schema(api_schema: schemathesis.schemas.BaseSchema,
                                                 mode: GenerationMode) -> None:
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    labels = [operation.label for operation in operations]
    examples = max(MIN_EXAMPLES, min(MAX_EXAMPLES, EXAMPLES_PER_MODE // len(operations)))
    session = requests.Session()  # keep-alive: one connection for the whole run
    for operation in operations:
        try:
            operation_test(operation, mode, session, examples)()
        except Unsatisfiable:
            # no invalid request exists (no parameters, no body): nothing to test in negative mode
            assert mode is GenerationMode.NEGATIVE, f"{operation.label}: no valid request could be generated"
        except (Exception, BaseExceptionGroup) as exc:  # every operation runs; the report lists each failing one
            failures.append(f"--- {operation.label} ---\n{exc}")
    assert len(labels) >= 10, f"too few operations found in /openapi.json: {labels}"
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("group", sorted(GROUPS), ids=str)
def test_stateful_sequences_follow_the_links(server: LiveServer, group: str) -> None:
    """Chains of calls along the links: every answer passes the checks, and the group's links carry values.

    One state machine per group of linked operations: among all of them at once, schemathesis spreads the
    steps so thin (each answer feeds at most two calls) that a link is rarely taken within the budget. The
    admin routes get the admin secret, as configured auth for their security scheme.
    """
    operations, main_links = GROUPS[group]
    main_links_targets(main_links, operations)
    schema = load_schema(server, auth={"openapi": {"AdminSecret": {"api_key": ADMIN_SECRET}}})
    schema = schema.include(operation_id=sorted(operations))
    session = requests.Session()
    followed: set[tuple[str, int]] = set()  # (link, status) of the steps that followed a link
    failures: list[str] = []
    steps = 0

    class Machine(schema.as_state_machine()):
        def step(self, input: Any) -> Any:
            nonlocal steps
            steps += 1
            output = super().step(input)
            if input.transition is not None and input.is_applied:
                followed.add((input.transition.id, output.response.status_code))
            return output

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"session": session, "timeout": 10}

        def validate_response(self, response: Any, case: schemathesis.Case, additional_checks: Any = None,
                              **kwargs: Any) -> None:
            # collected, not raised: the server's state moves on, so Hypothesis could not replay a failing run
            try:
                case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs, recorder=self.recorder)
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"--- {case.operation.label} ---\n{exc}\n{case.as_curl_command()}")

    def answered() -> set[str]:
        # a transition id reads "POST /signup/email-password -> [200] RefreshToken -> POST /token"
        return {link.split("] ")[1].split(" -> ")[0] for link, status in followed if status == 200}

    # rounds until enough steps ran and the group's links were followed with success, within a time budget
    started = time.monotonic()
    while (steps < MIN_STEPS or not main_links <= answered()) and time.monotonic() - started < BUDGET_SECONDS:
        try:
            Machine.run(settings=settings(max_examples=SCENARIOS, stateful_step_count=STEPS, deadline=None,
                                          database=None, phases=[Phase.generate],
                                          suppress_health_check=list(HealthCheck)))
        except Flaky:
            # a replay met a server whose state had moved on (a used token, a taken email): schemathesis' own
            # runner ends the round there too; every step that ran was checked (failures are collected)
            pass
    assert not failures, "\n\n".join(failures)
    assert steps >= MIN_STEPS and main_links <= answered(), "\n".join([str(steps), *map(str, sorted(followed))])


def main_links_targets(names: set[str], operations: set[str]) -> None:
    """The named links exist between the group's operations."""
    found = {name for source, links in links_by_source().items() if source in operations
             for name, link in links.items() if name in names and link["operationId"] in operations}
    assert found == names, names - found
