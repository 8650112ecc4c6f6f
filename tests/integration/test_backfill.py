"""`docpipe backfill` offline: objects already in the bucket go through the intake, under the
cap, once per object version, by the same backfill ASL the stack deploys."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from docpipe import samples
from docpipe.backfill import backfill_folder, map_run_items, parse_s3_url
from docpipe.cli import main
from docpipe.engine import BACKFILL_PREFIX, LocalEngine
from docpipe.errors import UsageError
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
    assert parse_s3_url("s3://docs/incoming/2025/") == ("docs", "incoming/2025/")
    assert parse_s3_url("s3://docs") == ("docs", "")
    for bad in ("docs/x", "s3:///x", "https://docs/x"):
        with pytest.raises(UsageError):
            parse_s3_url(bad)
