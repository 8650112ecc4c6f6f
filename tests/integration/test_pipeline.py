"""Whole executions of the real ASL on the offline engine: S3 upload → rule → state machine."""

from __future__ import annotations

import json
from typing import Any

import pytest

from docpipe import samples
from docpipe.engine import LocalEngine
from docpipe.runner import InputFile, run_files
from tasks.shared.labels import load_labels
from tasks.summarize_text import handler as summarize_handler

LABELS = load_labels()


def run_one(engine: LocalEngine, data: bytes, key: str) -> dict[str, Any]:
    upload = engine.upload(data, key)
    outcome = engine.wait(upload.execution_arn, timeout=120)
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    assert outcome.output is not None
    return outcome.output


def state_names(engine: LocalEngine, execution_arn: str) -> list[str]:
    return [
        e["stateEnteredEventDetails"]["name"]
        for e in engine.history(execution_arn)
        if "stateEnteredEventDetails" in e
    ]


@pytest.mark.parametrize(
    ("key", "data", "media_type"),
    [
        ("letter.txt", samples.LETTER.encode("cp1252"), "text/plain"),
        ("invoice.pdf", samples.invoice_pdf(), "application/pdf"),
        (
            "agreement.docx",
            samples.docx_from_pages(samples.AGREEMENT_PAGES),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_document_succeeds_with_summary_category_stored_and_announced(
    engine: LocalEngine, key: str, data: bytes, media_type: str
) -> None:
    # When a document is uploaded under incoming/
    output = run_one(engine, data, key)
    # Then the execution output carries a summary and a configured category
    assert output["status"] == "SUCCEEDED"
    assert len(output["summary"]) > 40
    assert output["category"] in LABELS.names
    assert 0.0 <= output["confidence"] <= 1.0
    # And the result JSON in S3 and the DynamoDB item agree with it
    result = engine.read_json(output["result_key"])
    assert result["media_type"] == media_type
    assert result["language"] == "en"
    assert result["category"] == output["category"]
    assert result["key_points"] and all(p["pages"][0] >= 1 for p in result["key_points"])
    item = engine.document_item(output["document_id"])
    assert item is not None and item["status"]["S"] == "SUCCEEDED"
    # And one completion notification went out with filterable attributes
    [note] = engine.notifications()
    assert note["attributes"] == {
        "status": "SUCCEEDED",
        "category": output["category"],
        "review_required": str(output["review_required"]).lower(),
        "input_tokens": str(result["usage"]["billed_input_tokens"]),
        "output_tokens": str(result["usage"]["output_tokens"]),
        "cost_usd": output["cost_usd"],
    }
    assert note["message"]["document_id"] == output["document_id"]
    assert engine.dead_letters() == []


def test_invoice_and_agreement_get_their_categories(engine: LocalEngine) -> None:
    invoice = run_one(engine, samples.invoice_pdf(), "invoice.pdf")
    agreement = run_one(engine, samples.docx_from_pages(samples.AGREEMENT_PAGES), "msa.docx")
    assert invoice["category"] == "invoice"
    assert agreement["category"] == "contract"


def test_long_document_is_summarized_chunk_by_chunk_with_page_citations(
    engine: LocalEngine,
) -> None:
    # Given a ten-page report that needs several 400-token chunks
    upload = engine.upload(samples.report_pdf(), "report.pdf")
    outcome = engine.wait(upload.execution_arn, timeout=120)
    assert outcome.status == "SUCCEEDED", outcome.cause
    # Then it went through the Map and the combine step, not the single-chunk branch
    names = state_names(engine, upload.execution_arn)
    assert "Summarize Chunks" in names and "Combine Summaries" in names
    assert "Summarize Document" not in names
    assert names.count("Summarize Chunk") > 1
    # And the key points cite pages across the document
    result = engine.read_json(outcome.output["result_key"])  # type: ignore[index]
    assert result["pages"] == 10 and result["chunks"] > 1
    cited = {page for point in result["key_points"] for page in point["pages"]}
    assert max(cited) > 3


def test_short_document_takes_the_single_chunk_branch(engine: LocalEngine) -> None:
    upload = engine.upload(samples.invoice_pdf(), "invoice.pdf")
    assert engine.wait(upload.execution_arn, timeout=120).status == "SUCCEEDED"
    names = state_names(engine, upload.execution_arn)
    assert "Summarize Document" in names and "Summarize Chunks" not in names


def test_corrupt_file_fails_with_its_error_in_the_dlq_and_a_failure_notification(
    engine: LocalEngine,
) -> None:
    # Given a PDF cut off after 600 bytes
    upload = engine.upload(samples.invoice_pdf()[:600], "damaged.pdf")
    # When its execution ends
    outcome = engine.wait(upload.execution_arn, timeout=120)
    # Then it failed with the named error, not a generic one
    assert outcome.status == "FAILED"
    assert outcome.error == "CorruptDocumentError"
    # And the DLQ holds the original event, the error and the execution
    [letter] = engine.dead_letters()
    body = letter["body"]
    assert body["event"]["detail"]["object"]["key"] == "incoming/damaged.pdf"
    assert body["error"]["Error"] == "CorruptDocumentError"
    assert json.loads(body["error"]["Cause"])["errorType"] == "CorruptDocumentError"
    assert body["execution_arn"] == upload.execution_arn
    assert letter["attributes"]["error_type"]["StringValue"] == "CorruptDocumentError"
    # And a failure notification was published, and the item is marked FAILED
    [note] = engine.notifications()
    assert note["attributes"] == {"status": "FAILED", "error_type": "CorruptDocumentError"}
    item = engine.document_item(body["document"]["id"])
    assert item is not None and item["status"]["S"] == "FAILED"
    assert item["error_type"]["S"] == "CorruptDocumentError"


def test_same_file_twice_is_skipped_as_duplicate(engine: LocalEngine, tmp_path: Any) -> None:
    path = tmp_path / "letter.txt"
    path.write_bytes(samples.LETTER.encode("utf-8"))
    # Uploading the same bytes again makes a new version: a new document with the same
    # content, reported as a duplicate of the first one's result
    first, second = run_files(engine, [InputFile(path, "letter.txt")] * 2)
    assert first["status"] == "SUCCEEDED"
    assert second["status"] == "SKIPPED_DUPLICATE"
    assert second["duplicate_of"] == first["document_id"]
    assert second["execution_arn"] != first["execution_arn"]


def test_changed_object_under_the_same_key_is_processed_again(engine: LocalEngine) -> None:
    first = run_one(engine, b"First version of the minutes. " * 20, "minutes.txt")
    second = run_one(engine, b"Second, corrected version of the minutes. " * 20, "minutes.txt")
    assert second["status"] == "SUCCEEDED"
    assert second["document_id"] != first["document_id"]
    assert "corrected" in second["summary"]


def test_key_with_spaces_and_plus_signs_is_read(engine: LocalEngine) -> None:
    output = run_one(engine, samples.LETTER.encode(), "notes a b+c (1).txt")
    assert output["key"] == "incoming/notes a b+c (1).txt"
    assert output["status"] == "SUCCEEDED"


class ThrottleOnce:
    """Wraps the provider: the first summarize call is throttled, as Bedrock may."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def summarize(self, *args: Any, **kwargs: Any) -> Any:
        from tasks.shared.errors import ModelThrottledError

        self.calls += 1
        if self.calls == 1:
            raise ModelThrottledError("rate exceeded")
        return self.inner.summarize(*args, **kwargs)


def test_model_throttling_is_retried_by_the_state_machine(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a provider that throttles its first call
    throttled = ThrottleOnce(summarize_handler.model_provider())
    monkeypatch.setattr(summarize_handler, "model_provider", lambda model_id="": throttled)
    # When a one-chunk document runs
    upload = engine.upload(samples.invoice_pdf(), "invoice.pdf")
    outcome = engine.wait(upload.execution_arn, timeout=120)
    # Then the Retry on ModelThrottledError made it succeed on the second attempt
    assert outcome.status == "SUCCEEDED", outcome.cause
    assert throttled.calls == 2
    failed = [e for e in engine.history(upload.execution_arn) if e["type"] == "TaskFailed"]
    assert (
        len(failed) == 1 and failed[0]["taskFailedEventDetails"]["error"] == "ModelThrottledError"
    )


def test_a_document_over_the_token_budget_fails_before_any_model_call() -> None:
    with LocalEngine(time_scale=0.001, extra_env={"DOCPIPE_MAX_DOCUMENT_TOKENS": "50"}) as engine:
        upload = engine.upload(samples.report_pdf(), "report.pdf")
        outcome = engine.wait(upload.execution_arn, timeout=60)
        assert (outcome.status, outcome.error) == ("FAILED", "BudgetExceededError")
        states = state_names(engine, upload.execution_arn)
        assert not any(name.startswith(("Summarize", "Combine", "Classify")) for name in states)
        [letter] = engine.dead_letters()
        assert "cap is 50" in letter["body"]["error"]["Cause"]


def test_a_document_over_the_budget_runs_on_the_budget_model_when_configured() -> None:
    env = {"DOCPIPE_MAX_DOCUMENT_TOKENS": "50", "DOCPIPE_BUDGET_MODEL_ID": "cheap-model"}
    with LocalEngine(time_scale=0.001, extra_env=env) as engine:
        upload = engine.upload(samples.invoice_pdf(), "invoice.pdf")
        outcome = engine.wait(upload.execution_arn, timeout=60)
        assert outcome.status == "SUCCEEDED", outcome.cause
        payloads = [
            json.loads(e["taskScheduledEventDetails"]["parameters"])["Payload"]
            for e in engine.history(upload.execution_arn)
            if e.get("type") == "TaskScheduled"
            and "lambda" in e["taskScheduledEventDetails"]["parameters"]
        ]
        model_ids = [p.get("model_id") for p in payloads if "model_id" in p]
        # Summarize Document and Classify Document both ran on the budget model.
        assert model_ids == ["cheap-model", "cheap-model"]


GERMAN_LETTER = (
    "Sehr geehrte Frau Becker,\n\n"
    "vielen Dank für Ihre Anfrage vom 12. Oktober. Wir bestätigen hiermit, dass die "
    "Reparatur der Heizungsanlage in Ihrer Wohnung am kommenden Dienstag stattfinden wird. "
    "Unser Techniker wird zwischen acht und zwölf Uhr bei Ihnen sein. Bitte sorgen Sie "
    "dafür, dass der Heizungsraum zugänglich ist. Die Kosten übernimmt die Hausverwaltung.\n\n"
    "Mit freundlichen Grüßen\nThomas Weber\nHausverwaltung Lindenhof"
)


FINNISH_LETTER = (
    "Hyvä rouva Virtanen,\n\n"
    "kiitos kyselystänne 12. lokakuuta. Vahvistamme, että asuntonne lämmitysjärjestelmän "
    "korjaus tehdään ensi tiistaina. Asentajamme saapuu kello kahdeksan ja kahdentoista "
    "välillä. Huolehtikaa siitä, että lämmityshuoneeseen pääsee. Kustannukset maksaa "
    "isännöitsijä.\n\n"
    "Ystävällisin terveisin\nTuomas Laine\nIsännöinti Lehmus"
)


def test_a_document_in_a_language_the_local_model_cannot_read_goes_to_review(
    engine: LocalEngine,
) -> None:
    # USE multilingual v3 reads 15 languages; Finnish is not one of them
    output = run_one(engine, FINNISH_LETTER.encode(), "kirje.txt")
    assert output["review_required"] is True
    result = engine.read_json(output["result_key"])
    assert result["language"] == "fi"
    assert result["review_reason"] == "language fi is not read by local"
    assert "Flag For Review" in state_names(engine, output["execution_arn"])


def test_a_german_letter_is_read_by_the_local_model(engine: LocalEngine) -> None:
    output = run_one(engine, GERMAN_LETTER.encode(), "brief.txt")
    result = engine.read_json(output["result_key"])
    assert result["language"] == "de"
    assert result["review_reason"] is None
    assert output["category"] == "correspondence"


def test_an_english_document_has_no_review_reason(engine: LocalEngine) -> None:
    output = run_one(engine, samples.invoice_pdf(), "invoice.pdf")
    assert engine.read_json(output["result_key"])["review_reason"] is None
