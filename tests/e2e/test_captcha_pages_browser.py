"""The captcha widget on the hosted sign-up page, in real headless Chromium against the real server process.

The provider is played by two local servers: a widget server (the script the page loads, which, like the
real ones, finds its element, shows a frame from its own origin and adds a hidden `h-captcha-response`
with a token to the form) and the siteverify receiver the API's captcha tests use. The page's strict CSP
must let exactly that script and frame load (no violation is reported), the server must verify the
widget's token before the sign-up, and a refusal must re-render the form with a clear message.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from authward.api.pages.texts_en import EN
from tests.e2e.conftest import LiveServer, ServerFactory
from tests.e2e.test_hosted_pages_browser import PASSWORD, Screenshots, chromium, page, shot, unique_email  # noqa: F401
from tests.receiver import HttpReceiver, running_receiver

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Page

pytestmark = pytest.mark.e2e

SITE_KEY = "browser-site-key"
SECRET = "captcha-browser-secret"
WIDGET_JS = """
(function () {
  var origin = new URL(document.currentScript.src).origin;
  function render() {
    document.querySelectorAll(".h-captcha[data-sitekey]").forEach(function (element) {
      var frame = document.createElement("iframe");
      frame.title = "captcha";
      frame.src = origin + "/frame.html";
      element.appendChild(frame);
      var token = document.createElement("input");
      token.type = "hidden";
      token.name = "h-captcha-response";
      token.value = "widget-token-for-" + element.dataset.sitekey;
      element.appendChild(token);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
})();
"""
FRAME_HTML = "<!doctype html><title>captcha</title><p>I am not a robot</p>"


class WidgetServer:
    """Serves the fake widget's script (/api.js) and the frame it shows (/frame.html)."""

    def __init__(self) -> None:
        files = {"/api.js": ("text/javascript", WIDGET_JS), "/frame.html": ("text/html", FRAME_HTML)}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path not in files:
                    self.send_error(404)
                    return
                content_type, text = files[self.path]
                body = text.encode()
                self.send_response(200)
                self.send_header("content-type", f"{content_type}; charset=utf-8")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self._http.server_address[1]}"
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture(scope="module")
def widget() -> Iterator[WidgetServer]:
    server = WidgetServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def siteverify() -> Iterator[HttpReceiver]:
    with running_receiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def server(server_factory: ServerFactory, widget: WidgetServer, siteverify: HttpReceiver) -> LiveServer:
    return server_factory(captcha_provider="hcaptcha", captcha_secret=SECRET, captcha_site_key=SITE_KEY,
                          captcha_siteverify_url=f"{siteverify.url}/siteverify",
                          captcha_widget_script_url=f"{widget.origin}/api.js")


def fill_sign_up(page: Page, server: LiveServer, email: str) -> list[str]:  # noqa: F811
    """Open /signup, wait for the widget's token, fill the form and submit it; the CSP violations seen."""
    violations: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", on_console)
    page.goto(f"{server.url}/signup")
    page.wait_for_selector("input[name=h-captcha-response]", state="attached")
    assert page.frame_locator("iframe[title=captcha]").locator("p").inner_text() == "I am not a robot"
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create an account").click()
    page.wait_for_load_state()
    return violations


def can_sign_in(server: LiveServer, email: str) -> bool:
    answer = httpx.post(f"{server.url}/signin/email-password", json={"email": email, "password": PASSWORD},
                        timeout=30)
    assert answer.status_code in (200, 401), answer.text
    return answer.status_code == 200


def test_sign_up_through_the_page_with_the_widgets_token(server: LiveServer, siteverify: HttpReceiver,
                                                         page: Page, shot: Screenshots) -> None:  # noqa: F811
    siteverify.answer(200, {"success": True})
    email = unique_email("captcha-ok")
    violations = fill_sign_up(page, server, email)
    shot(page, "captcha-signed-up")
    assert violations == []
    assert page.get_by_role("heading", level=1).inner_text() == EN["signed_in_title"]
    asked = siteverify.requests[-1]
    assert asked.path == "/siteverify"
    assert asked.form()["response"] == [f"widget-token-for-{SITE_KEY}"]
    assert asked.form()["secret"] == [SECRET]
    assert can_sign_in(server, email)


def test_a_token_the_provider_refuses_rerenders_the_form_with_a_message(
    server: LiveServer, siteverify: HttpReceiver, page: Page, shot: Screenshots,  # noqa: F811
) -> None:
    siteverify.answer(200, {"success": False, "error-codes": ["invalid-input-response"]})
    email = unique_email("captcha-refused")
    violations = fill_sign_up(page, server, email)
    shot(page, "captcha-refused")
    assert violations == []
    assert page.get_by_role("alert").inner_text() == EN["captcha_failed"]
    assert page.get_by_label("Email address").input_value() == email  # the form is back, filled in
    page.wait_for_selector("input[name=h-captcha-response]", state="attached")  # with a fresh widget
    assert not can_sign_in(server, email)
