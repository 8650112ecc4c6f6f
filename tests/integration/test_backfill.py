"""`docpipe backfill` offline: objects already in the bucket go through the intake, under the
cap, once per object version, by the same backfill ASL the stack deploys."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from docpipe import samples
from docpipe.backfill import backfill_deployed, backfill_folder, map_run_items
from docpipe.cli import main
from docpipe.engine import BACKFILL_PREFIX, BACKFILL_STATE_MACHINE_ARN, BUCKET, LocalEngine
from docpipe.errors import UsageError
from docpipe.results import parse_s3_url
from docpipe.runner import expand_paths

CAP = 2
DOCUMENTS = 16


@pytest.fixture
def capped() -> Iterator[LocalEngine]:
    with LocalEngine(time_scale=0.001, max_concurrent_documents=CAP) as engine:
        yield engine


def letters(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        (folder / f"letter-{index:03}.txt").write_text(
            f"{samples.LETTER}\nThis is letter number {index}.\n", encoding="utf-8"
        )
    return folder


def pipeline_executions(engine: LocalEngine) -> list[dict[str, Any]]:
    sfn = engine.client("stepfunctions")
    listed: list[dict[str, Any]] = []
    for page in sfn.get_paginator("list_executions").paginate(
        stateMachineArn=engine.state_machine_arn
    ):
        listed += page["executions"]
    return listed


def test_a_folder_is_backfilled_through_the_intake_under_the_cap(
    capped: LocalEngine, tmp_path: Path
) -> None:
    # Given a folder of documents that were in the bucket before the pipeline
    files = expand_paths([str(letters(tmp_path / "old", DOCUMENTS))])

    # When it is backfilled
    run, results = backfill_folder(capped, files, timeout=600)

    # Then the map sent every object, and every document ended with a terminal record
    assert run.status == "SUCCEEDED"
    assert run.items["total"] == run.items["succeeded"] == DOCUMENTS
    assert [r["status"] for r in results] == ["SUCCEEDED"] * DOCUMENTS
    records = [capped.document_item(r["document_id"]) for r in results]
    assert all(record and record["status"]["S"] == "SUCCEEDED" for record in records)
    # under the backfill prefix, named by key and version as an upload would be
    started = pipeline_executions(capped)
    assert len(started) == DOCUMENTS
    assert {r["execution_arn"] for r in results} == {e["executionArn"] for e in started}
    item = json.loads(
        capped.client("stepfunctions").describe_execution(executionArn=results[0]["execution_arn"])[
            "input"
        ]
    )
    assert item["source"] == "docpipe.backfill"
    assert item["detail"]["object"]["key"].startswith(BACKFILL_PREFIX)
    assert not item["detail"]["object"]["etag"].startswith('"')
    # And at no moment did more than CAP run
    sfn = capped.client("stepfunctions")
    moments = sorted(
        itertools.chain.from_iterable(
            ((d["startDate"], 1), (d["stopDate"], -1))
            for d in (sfn.describe_execution(executionArn=e["executionArn"]) for e in started)
        ),
        key=lambda moment: (moment[0], moment[1]),  # an end before a start at the same time
    )
    running = list(itertools.accumulate(step for _, step in moments))
    assert max(running) <= CAP
    capped.settle()
    assert capped.semaphore().leases() == {}


def test_a_second_backfill_of_the_same_objects_starts_nothing_new(
    capped: LocalEngine, tmp_path: Path
) -> None:
    # Given a prefix backfilled once
    files = expand_paths([str(letters(tmp_path / "old", 3))])
    _, first = backfill_folder(capped, files, timeout=300)
    assert [r["status"] for r in first] == ["SUCCEEDED"] * 3

    # When the same objects (same versions) are backfilled again
    again = capped.start_backfill(BACKFILL_PREFIX)
    assert capped.wait(again, timeout=120).status == "SUCCEEDED"
    assert map_run_items(capped.client("stepfunctions"), again)["succeeded"] == 3
    capped.settle()
    deadline_checks = [capped.describe(r["execution_arn"]) for r in first]

    # Then the intake started no second execution for any of them
    assert len(pipeline_executions(capped)) == 3
    assert all(d is not None and d["status"] == "SUCCEEDED" for d in deadline_checks)
    assert capped.semaphore().leases() == {}


def test_an_empty_prefix_is_a_backfill_of_nothing(capped: LocalEngine) -> None:
    arn = capped.start_backfill("nothing-here/")
    assert capped.wait(arn, timeout=60).status == "SUCCEEDED"
    assert map_run_items(capped.client("stepfunctions"), arn)["total"] == 0


def test_the_command_backfills_a_folder_and_prints_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = letters(tmp_path / "old", 2)
    assert main(["backfill", str(folder), "--json", "--quiet"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["backfill"]["status"] == "SUCCEEDED"
    assert answer["backfill"]["items"]["succeeded"] == 2
    assert [d["status"] for d in answer["documents"]] == ["SUCCEEDED", "SUCCEEDED"]
    assert [Path(d["file"]).name for d in answer["documents"]] == [
        "letter-000.txt",
        "letter-001.txt",
    ]


def test_offline_a_bucket_url_is_refused_with_the_way_out(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["backfill", "s3://bucket/prefix/"]) == 2
    assert "--aws" in capsys.readouterr().err


def test_s3_urls_name_a_bucket_and_a_prefix() -> None:
    assert parse_s3_url("s3://docs/incoming/2025/", prefix=True) == ("docs", "incoming/2025/")
    assert parse_s3_url("s3://docs", prefix=True) == ("docs", "")
    for bad in ("docs/x", "s3:///x", "https://docs/x"):
        with pytest.raises(UsageError):
            parse_s3_url(bad, prefix=True)


@dataclass
class StackOnTwin:
    """What backfill_deployed reads of a deployed stack, answered by the twin."""

    engine: LocalEngine

    def output(self, name: str) -> str:
        return {"BucketName": BUCKET, "BackfillStateMachineArn": BACKFILL_STATE_MACHINE_ARN}[name]

    def client(self, service: str) -> Any:
        return self.engine.client(service)


def test_on_aws_the_backfill_machine_is_started_and_followed_to_its_end(
    capped: LocalEngine,
) -> None:
    # Given two objects under a prefix of the stack's bucket
    objects = [
        capped.put_existing(f"{samples.LETTER}\nNumber {index}.".encode(), f"archive/{index}.txt")
        for index in range(2)
    ]
    stack = StackOnTwin(capped)
    seen: list[dict[str, int]] = []

    # When the prefix is backfilled as on AWS
    run = backfill_deployed(
        stack, f"s3://{BUCKET}/archive/", on_progress=seen.append, poll_seconds=0.05
    )

    # Then the map run sent both, and their documents are admitted by the intake
    assert run.status == "SUCCEEDED" and run.items["succeeded"] == run.items["total"] == 2
    assert all(counts["total"] <= 2 for counts in seen)  # progress, if it ran that long
    for put in objects:
        assert capped.wait(put.execution_arn, timeout=120).status == "SUCCEEDED"
    names = [e["name"] for e in pipeline_executions(capped)]
    assert len(names) == 2 and all(name.startswith("archive-") for name in names)
    # And another bucket is refused with the way out
    with pytest.raises(UsageError, match="aws s3 sync"):
        backfill_deployed(stack, "s3://someone-elses/archive/")
