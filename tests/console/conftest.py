"""A console over the state a real offline run left: one letter that succeeded (after two
throttled writes) and one memo whose extraction kept crashing (a passing fault), so its
dead letter can be replayed from the page."""

from __future__ import annotations

import json
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from docpipe import samples
from docpipe.cli import main
from docpipe.console.server import CONSOLE_HEADER, ConsoleServer, open_console
from docpipe.state import StateDirectory


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("console")
    letter = folder / "letter.txt"
    letter.write_text(samples.LETTER)
    memo = folder / "flaky-memo.txt"
    memo.write_text(samples.LETTER.replace("Dear", "Hello"))
    home = folder / "docpipe-home"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DOCPIPE_HOME", str(home))
        env.setenv("DOCPIPE_FAULT_STATES", "Register Document=ThrottlingException*2")
        env.setenv("DOCPIPE_FAULT_CRASH_RATE", "1")
        env.setenv("DOCPIPE_FAULT_TASKS", "extract_text")
        env.setenv("DOCPIPE_FAULT_MATCH", "flaky-memo")
        assert main(["run", str(letter), str(memo), "-q"]) == 1
    state = StateDirectory(home)
    [record] = [r for r in state.records() if r.get("object_key", "").endswith("letter.txt")]
    return {"state": state, "folder": folder, "letter": record}


@pytest.fixture(scope="module")
def console(ran: dict[str, Any]) -> Iterator[ConsoleServer]:
    with open_console(ran["state"]) as server:
        yield server


def get(server: ConsoleServer, path: str) -> Any:
    with urllib.request.urlopen(server.url + path, timeout=30) as answer:
        return json.loads(answer.read())


def post(server: ConsoleServer, path: str, body: bytes, **headers: str) -> Any:
    request = urllib.request.Request(
        server.url + path, data=body, method="POST", headers={CONSOLE_HEADER: "1", **headers}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def by_key(rows: list[dict[str, Any]], suffix: str) -> list[dict[str, Any]]:
    return [r for r in rows if str(r["key"]).endswith(suffix)]


def state_root(ran: dict[str, Any]) -> Path:
    return Path(ran["state"].root)


# Chromium as these machines run it headless (../README: Console): no sandbox as root, and
# none of the background traffic a closed network refuses.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str | None:
    """Debian's Chromium, or None (the browser tests then skip and say why)."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    executable = chromium()
    if executable is None:
        pytest.skip("no Chromium here (Debian: apt-get install chromium; `make test` does it)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, console: ConsoleServer) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.set_default_timeout(30_000)
    yield opened
    context.close()
    assert errors == [], f"the page raised {errors}"


def visit(page: Any, console: ConsoleServer, route: str) -> None:
    """Open `route` (a hash route such as `#/dead-letters`) and wait until it is drawn."""
    page.goto(console.url + route)
    page.wait_for_selector("body[data-ready]")
