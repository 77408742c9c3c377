"""The shared core: URL handling, request building, the flow stepper."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from authward.client import AuthError, MemoryStorage, NotLoggedIn, StoredSession
from authward.client.core import ClientState, FlowStepper, RequestSpec, request_args, send


@pytest.mark.parametrize(
    "given", ["http://auth.test", "http://auth.test/", "http://auth.test/v1", "http://auth.test/v1/"]
)
def test_base_url_is_the_server_root_and_paths_go_under_v1(given: str) -> None:
    state = ClientState(given)
    assert state.base_url == "http://auth.test"
    assert state.url("/user") == "http://auth.test/v1/user"


def test_bearer_is_added_only_when_the_spec_asks() -> None:
    storage = MemoryStorage()
    storage.save(StoredSession(base_url="http://auth.test", access_token="tok"))
    state = ClientState("http://auth.test", storage)
    assert "Authorization" not in request_args(state, RequestSpec("GET", "/version"))["headers"]
    assert request_args(state, RequestSpec("GET", "/user", auth=True))["headers"]["Authorization"] == "Bearer tok"
    explicit = request_args(state, RequestSpec("GET", "/user", bearer="other"))
    assert explicit["headers"]["Authorization"] == "Bearer other"
    assert "json" not in request_args(state, RequestSpec("GET", "/user"))


def test_auth_spec_without_session_raises_not_logged_in() -> None:
    with pytest.raises(NotLoggedIn):
        request_args(ClientState("http://auth.test"), RequestSpec("GET", "/user", auth=True))


def test_detached_state_never_writes_the_real_storage() -> None:
    storage = MemoryStorage()
    state = ClientState("http://auth.test", storage)
    state.detached().remember_mfa_ticket("mfaTotp:x")
    assert storage.load() is None


def test_stepper_delivers_answers_and_lets_flows_catch_errors() -> None:
    def flow(_: Any) -> Any:
        try:
            yield from send(RequestSpec("GET", "/a"))
        except AuthError as exc:
            caught = exc.error
        response = yield from send(RequestSpec("GET", "/b"))
        return caught, response.status_code

    stepper = FlowStepper(flow(None))
    assert isinstance(stepper.step, RequestSpec) and stepper.step.path == "/a"
    stepper.fail(AuthError(500, "boom", "boom"))
    assert isinstance(stepper.step, RequestSpec) and stepper.step.path == "/b"
    stepper.reply(httpx.Response(204))
    assert stepper.step is None and stepper.result == ("boom", 204)


def test_uncaught_errors_leave_the_stepper() -> None:
    stepper = FlowStepper(send(RequestSpec("GET", "/a")))
    with pytest.raises(AuthError, match="nope"):
        stepper.fail(AuthError(400, "x", "nope"))
