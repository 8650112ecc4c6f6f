"""The batch lane offline: uploads under incoming/batch/ have their model calls answered by
batch inference jobs (the batch emulator, answering through the Converse fake), at the
batch price, through the same ASL, task-token callback and lane function as on AWS."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from docpipe import samples
from docpipe.converse_fake import ConverseFake
from docpipe.engine import BATCH_PREFIX, LocalEngine
from tasks.shared.models import TokenUsage
from tasks.shared.pricing import cost_of, prices_for

MODEL = "amazon.nova-micro-v1:0"


def letters(engine: LocalEngine, count: int, prefix: str = "batch/") -> list[Any]:
    return [
        engine.upload(f"{samples.LETTER}\nThis is letter {index}.".encode(), f"{prefix}{index}.txt")
        for index in range(count)
    ]


@pytest.fixture
def fake() -> Iterator[ConverseFake]:
    with ConverseFake(model_ids=[MODEL]) as server:
        yield server


def twin(fake: ConverseFake, **env: str) -> LocalEngine:
    return LocalEngine(
        model_provider="bedrock",
        time_scale=0.001,
        extra_env={**fake.env(), "DOCPIPE_MODEL_ID": MODEL, "DOCPIPE_BUDGET_MODEL_ID": "", **env},
    )


def result(engine: LocalEngine, outcome: Any) -> dict[str, Any]:
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    stored: dict[str, Any] = engine.read_json(outcome.output["result_key"])
    return stored


def states_entered(engine: LocalEngine, arn: str) -> list[str]:
    return [
        event["stateEnteredEventDetails"]["name"]
        for event in engine.history(arn)
        if "stateEnteredEventDetails" in event
    ]


def test_batch_documents_are_answered_by_batch_jobs_at_the_batch_price(
    fake: ConverseFake,
) -> None:
    with twin(fake) as engine:
        # Given three letters under the batch prefix and one uploaded as usual
        batch = letters(engine, 3)
        now = engine.upload(samples.LETTER.encode() + b"\nNot batch.", "now.txt")
        assert batch[0].key.startswith(BATCH_PREFIX)

        # When they have run
        batch_results = [result(engine, engine.wait(u.execution_arn, 120)) for u in batch]
        now_result = result(engine, engine.wait(now.execution_arn, 120))

        # Then the batch letters took the lane and their answers came from batch jobs
        jobs = [job.describe() for job in engine.batch.jobs.values()]
        assert jobs and all(job["status"] == "Completed" for job in jobs)
        assert sum(job["totalRecordCount"] for job in jobs) == 6  # a summary and a class each
        for upload in batch:
            names = states_entered(engine, upload.execution_arn)
            assert "Run Model Calls In Batch" in names and "Summarize Document" not in names
        assert "Run Model Calls In Batch" not in states_entered(engine, now.execution_arn)
        # at the batch price: the same calls cost half
        for stored in batch_results:
            usage = TokenUsage.from_dict(stored["usage"])
            assert usage.batch_input_tokens > 0 and usage.input_tokens == 0
            assert usage.calls == 2
            on_demand = TokenUsage(
                input_tokens=usage.batch_input_tokens, output_tokens=usage.batch_output_tokens
            )
            half = cost_of(on_demand, MODEL)["usd"] / 2
            assert stored["cost"]["usd"] == pytest.approx(half, abs=1e-8)  # both rounded
            assert stored["category"] == now_result["category"] == "correspondence"
        assert TokenUsage.from_dict(now_result["usage"]).batch_input_tokens == 0
        # And the lane kept no work and no lease behind
        engine.settle()
        assert engine.semaphore().leases() == {}
        assert not engine.visible_batch_requests()


def test_a_record_the_job_failed_is_answered_on_demand(fake: ConverseFake) -> None:
    with twin(fake) as engine:
        # Given a batch job whose first record the model refuses
        fake.fail_next(1, "ValidationException")
        (upload,) = letters(engine, 1)

        stored = result(engine, engine.wait(upload.execution_arn, 120))

        # Then that call was made again on demand, and billed so
        jobs = [job.describe() for job in engine.batch.jobs.values()]
        assert jobs[0]["status"] == "PartiallyCompleted" and jobs[0]["errorRecordCount"] == 1
        usage = TokenUsage.from_dict(stored["usage"])
        assert usage.input_tokens > 0 and usage.batch_input_tokens > 0
        assert stored["status"] == "SUCCEEDED"


def test_requests_short_of_the_minimum_are_answered_on_demand_after_the_wait(
    fake: ConverseFake,
) -> None:
    # Given a minimum no offline run reaches, and a wait of one second
    env = {"DOCPIPE_BATCH_MIN_RECORDS": "1000", "DOCPIPE_BATCH_MAX_WAIT_SECONDS": "1"}
    with twin(fake, **env) as engine:
        (upload,) = letters(engine, 1)
        stored = result(engine, engine.wait(upload.execution_arn, 120))
    # Then no job was made, and the calls were billed on demand
    assert engine.batch.jobs == {}
    usage = TokenUsage.from_dict(stored["usage"])
    assert usage.batch_input_tokens == 0 and usage.input_tokens > 0


def test_a_job_bedrock_refuses_is_answered_on_demand_at_once(fake: ConverseFake) -> None:
    # Given a Bedrock that refuses the job (a model without batch inference, say)
    with twin(fake, DOCPIPE_BATCH_MAX_WAIT_SECONDS="3600") as engine:
        engine.batch.refuse_next("ValidationException")
        (upload,) = letters(engine, 1)
        stored = result(engine, engine.wait(upload.execution_arn, 120))
    # Then the requests were answered on demand without waiting out the hour
    usage = TokenUsage.from_dict(stored["usage"])
    assert usage.input_tokens > 0
    assert stored["status"] == "SUCCEEDED"


def test_with_the_local_model_the_lane_answers_at_once() -> None:
    with LocalEngine(time_scale=0.001) as engine:
        (upload,) = letters(engine, 1)
        stored = result(engine, engine.wait(upload.execution_arn, 120))
        assert "Run Model Calls In Batch" in states_entered(engine, upload.execution_arn)
        assert engine.batch.jobs == {}
        assert stored["category"] == "correspondence"


def test_a_document_error_in_the_lane_takes_the_failure_path(fake: ConverseFake) -> None:
    with twin(fake) as engine:
        # Given a model that answers every summary with tool input that breaks its schema
        fake.invalid_next(50, tool="record_summary")
        (upload,) = letters(engine, 1)

        outcome = engine.wait(upload.execution_arn, 120)

        # Then the execution fails by the error's name, through Record Failure
        assert outcome.status == "FAILED"
        assert outcome.error == "ModelOutputError"
        assert "Record Failure" in states_entered(engine, upload.execution_arn)
        (letter,) = engine.dead_letters()
        assert "ModelOutputError" in json.dumps(letter["body"])


def test_the_default_model_has_a_batch_price() -> None:
    prices = prices_for(MODEL)
    assert prices is not None and prices.batch_input == prices.input / 2
