"""The console's pages in headless Chromium, asserted through the DOM: the execution list,
an execution (graph, timeline with retries, paged history, step panel), a document, the
dead letters with replay, the gauges, and a file uploaded from the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import visit

from docpipe.console.server import ConsoleServer
from infra.config import PIPELINE_ASL


def every_state(asl_path: Path = PIPELINE_ASL) -> set[str]:
    import json

    def walk(states: dict[str, Any]) -> set[str]:
        names = set(states)
        for state in states.values():
            inner = state.get("ItemProcessor") or state.get("Iterator")
            if inner:
                names |= walk(inner["States"])
        return names

    return walk(json.loads(asl_path.read_text())["States"])


def test_the_list_shows_executions_filters_by_status_and_searches_by_key(
    page: Any, console: ConsoleServer
) -> None:
    visit(page, console, "#/")
    rows = page.locator("tr.execution")
    assert rows.count() == 2
    statuses = {
        page.locator(f"tr.execution >> nth={i}").get_attribute("data-status") for i in range(2)
    }
    assert statuses == {"SUCCEEDED", "FAILED"}
    assert "letter.txt" in page.locator("#executions").inner_text()

    page.select_option("#status-filter", "FAILED")
    page.wait_for_function("location.hash.includes('status=FAILED')")
    page.wait_for_selector("body[data-ready]")
    assert page.locator("tr.execution").count() == 1
    assert "flaky-memo.txt" in page.locator("tr.execution").inner_text()

    visit(page, console, "#/")
    page.fill("#key-search", "letter")
    page.press("#key-search", "Enter")
    page.wait_for_function("location.hash.includes('q=letter')")
    page.wait_for_selector("body[data-ready]")
    assert page.locator("tr.execution").count() == 1
    assert "letter.txt" in page.locator("tr.execution").inner_text()

    gauges = page.locator("#gauges").inner_text()
    page.wait_for_function("document.getElementById('gauge-dead-letters').textContent === '1'")
    assert "running" in gauges


def test_an_execution_page_has_the_graph_timeline_history_and_step_panel(
    page: Any, console: ConsoleServer
) -> None:
    visit(page, console, "#/")
    page.click("tr.execution[data-status=SUCCEEDED] a")
    page.wait_for_selector("#timeline")

    drawn = set(
        page.locator("#graph g.state").evaluate_all("nodes => nodes.map(n => n.dataset.name)")
    )
    assert drawn == every_state()
    assert (
        page.locator('#graph g.state[data-name="Store Results"]').get_attribute("data-status")
        == "succeeded"
    )

    register = page.locator('tr.step[data-name="Register Document"]')
    assert register.locator("ol.attempts li").count() == 3
    assert "DynamoDB.ThrottlingException (retry in" in register.inner_text()

    page.click('#graph g.state[data-name="Identify Document"]')
    assert "Identify Document" in page.locator("#step-panel h3").inner_text()
    assert '"document"' in page.locator("#step-panel .step-output").inner_text()

    assert page.locator("#history tr.event").count() == 25
    page.click("#history-next")
    page.wait_for_function("document.getElementById('history-page').textContent.includes('2')")
    assert page.locator("#history tr.event >> nth=0").inner_text().startswith("26")


def test_a_failed_execution_highlights_the_failing_step(page: Any, console: ConsoleServer) -> None:
    visit(page, console, "#/?status=FAILED")
    page.click("tr.execution a")
    page.wait_for_selector("#execution-error")
    assert page.locator("#execution-error").inner_text().startswith("Extract Text: ")
    assert "failed" in (
        page.locator('tr.step[data-name="Extract Text"]').get_attribute("class") or ""
    )
    assert (
        page.locator('#graph g.state[data-name="Extract Text"]').get_attribute("data-status")
        == "caught"
    )


def test_a_document_page_goes_from_pages_to_category(
    page: Any, console: ConsoleServer, ran: dict[str, Any]
) -> None:
    visit(page, console, "#/document/" + ran["letter"]["document_id"])
    assert page.locator("#document-key").inner_text().endswith("letter.txt")
    assert page.locator("#category").inner_text() == ran["letter"]["category"]
    assert (
        page.locator("#confidence").inner_text().startswith(" confidence")
        or "confidence" in page.locator("#confidence").inner_text()
    )
    assert page.locator("#pages details").count() >= 1
    assert page.locator("#chunks details").count() >= 1
    assert page.locator("#key-points li").count() >= 1
    page.locator("#key-points li a >> nth=0").click()
    page.wait_for_function("document.querySelector('#pages details[open]') !== null")
    assert "Dear" in page.locator("#pages details[open] pre").inner_text()
    assert page.locator("#cost").inner_text() == "$0.000000"


def test_a_dead_letter_is_replayed_from_the_page_and_a_file_uploaded_from_it(
    page: Any, console: ConsoleServer, tmp_path: Path
) -> None:
    visit(page, console, "#/dead-letters")
    assert page.locator("tr.dead-letter").count() == 1
    assert "flaky-memo.txt" in page.locator("tr.dead-letter").inner_text()
    page.click("tr.dead-letter button.replay")
    page.wait_for_selector("#no-dead-letters", timeout=60_000)
    assert "done: SUCCEEDED" in page.locator("#replay-status").inner_text()

    visit(page, console, "#/?q=flaky")
    assert page.locator("tr.execution").count() == 2
    assert (
        page.locator("tr.execution[data-status=SUCCEEDED] a >> nth=0").inner_text().endswith("-r1")
    )

    upload = tmp_path / "field-notes.txt"
    upload.write_text("Field notes from the survey of the northern meadow.\n" * 30)
    page.set_input_files("#upload-file", str(upload))
    page.click("#upload-button")
    page.wait_for_selector("tr.execution[data-name*=field-notes]", timeout=120_000)
    assert (
        page.locator("tr.execution[data-name*=field-notes]").get_attribute("data-status")
        == "SUCCEEDED"
    )
