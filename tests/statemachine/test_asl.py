"""The ASL file parses, every transition resolves, and placeholders match their fillers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from infra.config import PIPELINE_ASL as ASL_FILE
from infra.config import TRIGGER_PATTERN as TRIGGER_PATTERN_FILE
from tasks.catalog import RESOURCE_PLACEHOLDERS, TASK_FUNCTIONS
from tasks.shared.semaphore import RELEASED_MARK

PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
FAILURE_PATH = {"Record Failure", "Send To DLQ", "Publish Failure", "Fail"}
# After Store Results wrote the record and the result: nothing here may turn them into a failure.
AFTER_RECORD = {"Publish Completion", "Keep Notification"}
# States that deliver a notification or a dead letter: they wait minutes for SNS or SQS.
DELIVERIES = {"Publish Completion", "Keep Notification", "Send To DLQ", "Publish Failure"}
# Run at the end of every path, failed or not: its errors must not turn a result into a failure.
RELEASE = "Release Lease"
# Errors that mean "wait": throttling and unavailability, retried over an hour and more.
PATIENT_ERRORS = {"Lambda.TooManyRequestsException", "ModelThrottledError", "ModelUnavailableError"}
AN_HOUR = 3600


def retry_budget(retrier: dict[str, Any]) -> float:
    """The longest a retrier waits in all, before jitter: each wait capped at MaxDelaySeconds."""
    interval, rate = retrier.get("IntervalSeconds", 1), retrier.get("BackoffRate", 2.0)
    cap = retrier.get("MaxDelaySeconds", float("inf"))
    return float(sum(min(interval * rate**k, cap) for k in range(retrier["MaxAttempts"])))


@pytest.fixture(scope="module")
def asl() -> dict[str, Any]:
    return json.loads(ASL_FILE.read_text())


def walk(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Every state with the States map it belongs to, descending into Map processors."""
    for name, state in states.items():
        yield name, state, states
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            yield from walk(processor["States"])


def targets(state: dict[str, Any]) -> list[str]:
    out = [state["Next"]] if "Next" in state else []
    out += [c["Next"] for c in state.get("Choices", [])]
    out += [c["Next"] for c in state.get("Catch", [])]
    if "Default" in state:
        out.append(state["Default"])
    return out


def test_every_transition_resolves_within_its_scope(asl: dict[str, Any]) -> None:
    assert asl["StartAt"] in asl["States"]
    for name, state, scope in walk(asl["States"]):
        for target in targets(state):
            assert target in scope, f"{name} -> {target} does not exist"
        ends = state.get("End") or state["Type"] in ("Succeed", "Fail", "Choice")
        assert ends or "Next" in state, f"{name} neither ends nor has Next"


def test_every_state_is_reachable(asl: dict[str, Any]) -> None:
    seen: set[str] = set()
    todo = [asl["StartAt"]]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(targets(asl["States"][name]))
    assert seen == set(asl["States"])


def test_every_task_retries_and_every_step_is_caught(asl: dict[str, Any]) -> None:
    # Given the top-level states outside the failure path
    for name, state in asl["States"].items():
        if state["Type"] in ("Task", "Map") and name not in FAILURE_PATH | AFTER_RECORD | {RELEASE}:
            # Then each one sends any error to Record Failure
            catch_all = [c for c in state["Catch"] if c["ErrorEquals"] == ["States.ALL"]]
            assert catch_all and catch_all[0]["Next"] == "Record Failure", name
            assert catch_all[0]["ResultPath"] == "$.error", name
    for name, state, _ in walk(asl["States"]):
        if state["Type"] == "Task":
            assert state.get("Retry"), f"{name} has no Retry"
            for retrier in state["Retry"]:
                assert "States.ALL" not in retrier["ErrorEquals"], f"{name} retries everything"
                patient = set(retrier["ErrorEquals"]) <= PATIENT_ERRORS
                delivery = name in DELIVERIES and retry_budget(retrier) <= 15 * 60
                assert patient or delivery or retrier["MaxAttempts"] <= 6, name
                assert retrier.get("JitterStrategy") == "FULL", name
                assert retrier.get("MaxDelaySeconds"), name


def test_failure_path_always_reaches_fail(asl: dict[str, Any]) -> None:
    states = asl["States"]
    for name in ("Record Failure", "Send To DLQ", "Publish Failure"):
        assert [c["Next"] for c in states[name]["Catch"]] == [states[name]["Next"]]
    assert states["Send To DLQ"]["Resource"] == "arn:aws:states:::sqs:sendMessage"
    assert states["Fail"]["ErrorPath"] == "$.error.Error"


def test_a_terminal_record_is_written_once(asl: dict[str, Any]) -> None:
    states = asl["States"]
    # Record Failure writes FAILED only over this execution's PROCESSING record, or none
    condition = states["Record Failure"]["Parameters"]["ConditionExpression"]
    assert condition == (
        "attribute_not_exists(document_id) OR "
        "(#status = :processing AND execution_arn = :execution_arn)"
    )
    # After the record is written, a notification SNS refuses is kept as a dead letter,
    # never sent down the failure path
    for name in AFTER_RECORD:
        assert "Record Failure" not in targets(states[name]), name
    assert [c["Next"] for c in states["Publish Completion"]["Catch"]] == ["Keep Notification"]
    keep = states["Keep Notification"]
    assert keep["Parameters"]["QueueUrl"] == "${DeadLetterQueueUrl}"
    assert keep["Parameters"]["MessageBody"]["kind"] == "notification"
    assert keep["Parameters"]["MessageBody"]["notification.$"] == "$.result"


def test_a_dead_letter_the_queue_refuses_ends_the_execution_undelivered(
    asl: dict[str, Any],
) -> None:
    states = asl["States"]
    # Whichever dead letter could not be sent, Finish says so first
    for name in ("Send To DLQ", "Keep Notification"):
        assert [c["ResultPath"] for c in states[name]["Catch"]] == ["$.dlq_error"], name
    first = states["Finish"]["Choices"][0]
    assert first == {"Variable": "$.dlq_error", "IsPresent": True, "Next": "Describe Undelivered"}
    assert states["Describe Undelivered"]["Parameters"]["Error"] == "DeadLetterUndelivered"
    assert states[states["Describe Undelivered"]["Next"]]["Type"] == "Fail"


def test_bad_input_errors_are_never_retried(asl: dict[str, Any]) -> None:
    from tasks.shared import errors

    bad_input = {
        c.__name__
        for c in vars(errors).values()
        if isinstance(c, type) and issubclass(c, errors.BadInputError)
    }
    assert "CorruptDocumentError" in bad_input
    for name, state, _ in walk(asl["States"]):
        for retrier in state.get("Retry", []):
            assert not bad_input & set(retrier["ErrorEquals"]), name


def test_model_tasks_wait_at_least_an_hour_for_throttling(asl: dict[str, Any]) -> None:
    # Given the model tasks (summarize, combine, classify)
    for name, state, _ in walk(asl["States"]):
        resource = json.dumps(state.get("Parameters", {}))
        if any(p in resource for p in ("SummarizeText", "CombineSummaries", "ClassifyDocument")):
            # Then model throttling, model unavailability and Lambda throttling share one
            # patient retrier whose waits add up to an hour or more
            [patient] = [r for r in state["Retry"] if "ModelThrottledError" in r["ErrorEquals"]]
            assert set(patient["ErrorEquals"]) == PATIENT_ERRORS, name
            assert retry_budget(patient) >= AN_HOUR, name
            assert patient["MaxDelaySeconds"] <= 300, name


def test_every_lambda_task_waits_out_lambda_throttling(asl: dict[str, Any]) -> None:
    for name, state, _ in walk(asl["States"]):
        if state.get("Resource") == "arn:aws:states:::lambda:invoke":
            [busy] = [
                r for r in state["Retry"] if "Lambda.TooManyRequestsException" in r["ErrorEquals"]
            ]
            assert retry_budget(busy) >= AN_HOUR, name
            # A crash, an out-of-memory or a function timeout is retried, but only twice.
            [crash] = [r for r in state["Retry"] if "Lambda.Unknown" in r["ErrorEquals"]]
            assert crash["MaxAttempts"] <= 2, name


def test_the_execution_outlives_its_longest_wait(asl: dict[str, Any]) -> None:
    longest = max(retry_budget(r) for _, s, _ in walk(asl["States"]) for r in s.get("Retry", []))
    # Patient retries of three model steps, one after the other, and 30 minutes of OCR.
    assert asl["TimeoutSeconds"] >= 3 * longest / 2 + 1800


def test_every_path_releases_the_lease_before_it_ends(asl: dict[str, Any]) -> None:
    states = asl["States"]
    ends = [n for n, s in states.items() if s.get("End") or s["Type"] in ("Succeed", "Fail")]
    assert sorted(ends) == ["Fail", "Fail Undelivered", "Skipped", "Succeeded"]
    # Every way into an end goes through Finish, which only Release Lease leads to.
    into_ends = {n for n, s in states.items() if set(targets(s)) & set(ends)}
    assert into_ends == {"Finish", "Describe Undelivered"}
    assert {n for n, s in states.items() if "Describe Undelivered" in targets(s)} == {"Finish"}
    assert {n for n, s in states.items() if "Finish" in targets(s)} == {RELEASE}
    release = states[RELEASE]
    assert release["Parameters"]["TableName"] == "${LeaseTableName}"
    assert release["Parameters"]["ConditionExpression"] == "attribute_exists(#lease)"
    # It only marks the lease released, the way the semaphore reads it: the execution is
    # RUNNING until it ends, so its place is freed after that (tasks/shared/semaphore.py).
    assert release["Parameters"]["UpdateExpression"] == "SET #lease = :released"
    released = release["Parameters"]["ExpressionAttributeValues"][":released"]["S.$"]
    assert released == f"States.Format('{RELEASED_MARK}{{}}', $$.State.EnteredTime)"
    assert release["Parameters"]["ExpressionAttributeNames"]["#lease.$"] == "$$.Execution.Name"
    assert [c["Next"] for c in release["Catch"]] == ["Finish"]


def test_map_concurrency_is_the_setting_chunk_text_hands_over(asl: dict[str, Any]) -> None:
    # Never unbounded (0): the Map runs the deployment's modelCallsPerDocument, which Chunk
    # Text reads from its environment and returns beside the chunks.
    maps = [s for _, s, _ in walk(asl["States"]) if s["Type"] == "Map"]
    assert maps and all("MaxConcurrency" not in m for m in maps)
    assert {m["MaxConcurrencyPath"] for m in maps} == {"$.chunks.concurrent_calls"}
    chunk = asl["States"]["Chunk Text"]
    assert chunk["ResultPath"] == "$.chunks"
    assert chunk["ResultSelector"]["concurrent_calls.$"] == "$.Payload.concurrent_calls"


def test_asl_stays_on_jsonpath_without_variables(asl: dict[str, Any]) -> None:
    # The offline interpreter does not run JSONata or Assign (notes/local-engine.md).
    text = ASL_FILE.read_text()
    assert "QueryLanguage" not in text and '"Assign"' not in text


def test_placeholders_match_the_catalog_both_ways() -> None:
    used = set(PLACEHOLDER.findall(ASL_FILE.read_text()))
    known = {t.placeholder for t in TASK_FUNCTIONS} | set(RESOURCE_PLACEHOLDERS)
    assert used == known


def test_trigger_pattern_selects_object_created_under_the_prefix() -> None:
    pattern = json.loads(TRIGGER_PATTERN_FILE.read_text())
    assert pattern["source"] == ["aws.s3"]
    assert pattern["detail-type"] == ["Object Created"]
    assert [b["object"]["key"] for b in pattern["detail"]["$or"]] == [
        [{"prefix": "${IncomingPrefix}"}],
        [{"wildcard": "${IncomingPrefix}*.*"}],
    ]
    assert set(PLACEHOLDER.findall(TRIGGER_PATTERN_FILE.read_text())) == {
        "BucketName",
        "IncomingPrefix",
    }


def test_state_names_read_as_title_case_phrases(asl: dict[str, Any]) -> None:
    for name, _, _ in walk(asl["States"]):
        assert re.fullmatch(r"[A-Z][A-Za-z]*( [A-Z][A-Za-z]*)*|Send To DLQ", name), name


def test_the_record_counts_replays_from_the_admission(asl: dict[str, Any]) -> None:
    states = asl["States"]
    item = states["Register Document"]["Parameters"]["Item"]
    assert item["replays"] == {"N.$": "States.Format('{}', $.admission.replays)"}
    # An execution started by hand (no admission from the starter) is no replay
    assert states["Default Admission"]["Parameters"]["replays"] == 0
