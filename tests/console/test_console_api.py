"""The console's JSON API (what every page reads), over the state a real run left; no
browser needed. The pages themselves are driven in Chromium in test_console_browser.py."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from child_signals import default_sigint
from conftest import by_key, get, post

from docpipe.console.jobs import safe_name
from docpipe.console.server import ConsoleServer


def test_the_list_shows_each_execution_with_its_document_and_filters(
    console: ConsoleServer,
) -> None:
    rows = get(console, "api/executions")
    [letter] = by_key(rows, "letter.txt")
    [memo] = by_key(rows, "flaky-memo.txt")
    assert letter["status"] == "SUCCEEDED" and memo["status"] == "FAILED"
    assert letter["document_id"] and letter["duration_s"] > 0 and letter["started"]
    assert [r["name"] for r in get(console, "api/executions?status=FAILED")] == [memo["name"]]
    assert [r["name"] for r in get(console, "api/executions?q=MEMO")] == [memo["name"]]
    assert get(console, "api/executions?q=no-such-key") == []


def test_an_execution_has_its_trace_graph_and_paged_history(
    console: ConsoleServer, ran: dict[str, Any]
) -> None:
    [letter] = by_key(get(console, "api/executions"), "letter.txt")
    page = get(console, f"api/executions/{letter['name']}")
    states = {s["name"]: s for s in page["trace"]["states"]}
    # the throttled writes are attempts of Register Document, with their error and backoff
    attempts = states["Register Document"]["attempts"]
    assert [a["error"] for a in attempts] == ["DynamoDB.ThrottlingException"] * 2 + [None]
    assert attempts[0]["backoff_s"] > 0
    assert json.loads(states["Identify Document"]["output"])["document"]["id"]
    assert page["graph"].startswith("<svg") and 'data-name="Summarize Chunks"' in page["graph"]
    assert page["document"]["document_id"] == ran["letter"]["document_id"]

    first = get(console, f"api/executions/{letter['name']}/history?page=1")
    second = get(console, f"api/executions/{letter['name']}/history?page=2")
    assert [e["id"] for e in first["events"]] == list(range(1, 26)) and first["more"]
    assert second["events"][0]["id"] == 26
    assert page["history_events"] > 25


def test_a_failed_execution_names_its_error(console: ConsoleServer) -> None:
    [memo] = by_key(get(console, "api/executions"), "flaky-memo.txt")
    page = get(console, f"api/executions/{memo['name']}")
    [extract] = [s for s in page["trace"]["states"] if s["name"] == "Extract Text"]
    assert extract["status"] == "caught" and extract["error"] == "Lambda.Unknown"
    assert len(extract["attempts"]) > 1  # retried before it was caught
    assert page["trace"]["status"] == "FAILED"


def test_a_document_shows_each_step_of_its_processing(
    console: ConsoleServer, ran: dict[str, Any]
) -> None:
    document = get(console, f"api/documents/{ran['letter']['document_id']}")
    assert document["record"]["status"] == "SUCCEEDED"
    assert document["pages"] and "Dear" in document["pages"][0]["text"]
    assert document["chunks"][0]["tokens"] > 0 and document["chunks"][0]["pages"][0] == 1
    assert document["summary"] and document["key_points"][0]["pages"][0] >= 1
    assert document["category"] == ran["letter"]["category"]
    assert 0 <= document["confidence"] <= 1 and document["scores"]
    assert document["usage"]["input_tokens"] > 0 and document["cost"]["usd"] == 0
    assert [e["status"] for e in document["executions"]] == ["SUCCEEDED"]


def test_unknown_pages_and_bad_requests_are_named_errors(console: ConsoleServer) -> None:
    for path in ("api/executions/no-such", "api/documents/no-such", "api/nothing"):
        with pytest.raises(urllib.error.HTTPError) as error:
            get(console, path)
        assert error.value.code == 404 and "no " in json.loads(error.value.read())["error"]
    with pytest.raises(urllib.error.HTTPError) as error:
        post(console, "api/dead-letters/replay", b"[1]")
    assert error.value.code == 400


def test_a_post_without_the_console_header_or_from_another_host_is_refused(
    console: ConsoleServer,
) -> None:
    request = urllib.request.Request(
        console.url + "api/dead-letters/replay", data=b'{"all": true}', method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=10)
    assert error.value.code == 403
    rebound = urllib.request.Request(console.url + "api/executions", headers={"Host": "evil.test"})
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(rebound, timeout=10)
    assert error.value.code == 403


def test_gauges_report_the_cap_and_the_dead_letters(console: ConsoleServer) -> None:
    gauges = get(console, "api/gauges")
    assert gauges["cap"] >= 1 and gauges["running"] == 0 and gauges["intake_depth"] == 0
    assert gauges["dead_letters"] == len(get(console, "api/dead-letters")) >= 1


@pytest.mark.parametrize(
    ("given", "kept"),
    [("../../etc/passwd", "passwd"), ("C:\\x\\report.pdf", "report.pdf"), ("..", "upload")],
)
def test_an_uploaded_name_cannot_leave_the_upload_folder(given: str, kept: str) -> None:
    assert safe_name(given) == kept


def wait_for(console: ConsoleServer, job: dict[str, Any], seconds: float = 300) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        current: dict[str, Any] = get(console, f"api/jobs/{job['id']}")
        if current["status"] in ("done", "failed"):
            return current
        time.sleep(0.3)
    raise AssertionError(f"job {job['id']} still {current['status']}")


def test_an_uploaded_file_is_run_and_kept(console: ConsoleServer) -> None:
    job = post(
        console, "api/uploads", b"Minutes of the meeting.\n" * 40, **{"X-Filename": "minutes.txt"}
    )
    assert job["kind"] == "upload" and job["what"] == ["minutes.txt"]
    done = wait_for(console, job)
    assert done["status"] == "done" and [r["status"] for r in done["results"]] == ["SUCCEEDED"]
    [row] = by_key(get(console, "api/executions"), "minutes.txt")
    assert row["status"] == "SUCCEEDED"


def test_replaying_every_dead_letter_reprocesses_the_failed_document(
    console: ConsoleServer,
) -> None:
    letters = get(console, "api/dead-letters")
    assert [letter["key"] for letter in letters] == ["incoming/flaky-memo.txt"]
    done = wait_for(console, post(console, "api/dead-letters/replay", b'{"all": true}'))
    assert done["status"] == "done" and done["results"][0]["status"] == "SUCCEEDED"
    assert get(console, "api/dead-letters") == []
    replayed = by_key(get(console, "api/executions"), "flaky-memo.txt")
    assert sorted(r["status"] for r in replayed) == ["FAILED", "SUCCEEDED"]
    assert any(r["name"].endswith("-r1") for r in replayed)


def test_docpipe_serve_answers_on_loopback_until_interrupted(
    ran: dict[str, Any], tmp_path: Path
) -> None:
    env = {**os.environ, "DOCPIPE_HOME": str(ran["state"].root)}
    command = [sys.executable, "-m", "docpipe.cli", "serve", "--port", "0"]
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        preexec_fn=default_sigint,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    url = first.split(" on ", 1)[1].split(" ", 1)[0]
    try:
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "api/executions", timeout=30) as answer:
            assert len(json.loads(answer.read())) >= 2
        with urllib.request.urlopen(url, timeout=30) as answer:
            assert b'<main id="view">' in answer.read()
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
