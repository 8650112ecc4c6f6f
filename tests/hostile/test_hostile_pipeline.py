"""Hostile files and hostile names through the whole offline pipeline, as `docpipe run`
takes them: every file ends in exactly one result and one record, SUCCEEDED or FAILED with
its named error, in bounded time; a symlink in a directory argument is not followed out."""

from __future__ import annotations

import os
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hostile_files import KINDS, PROSE

from docpipe.converse_fake import ConverseFake
from docpipe.engine import BUCKET, LocalEngine
from docpipe.runner import expand_paths, run_files
from tasks.shared.execution_names import document_id

NAMES = {
    "with spaces.txt": "spaces",
    "plus+sign.txt": "plus",
    "report%20final.txt": "percent-twenty",
    unicodedata.normalize("NFC", "café-nfc.txt"): "nfc",
    unicodedata.normalize("NFD", "café-nfd.txt"): "nfd",
    "new\nline.txt": "newline",
    "quotes \"double\" and 'single'.txt": "quotes",
    "-leading-dash.txt": "leading-dash",
    "L" * 236 + ".txt": "240 characters",
    "(1) copy [draft] #3 & more!.txt": "punctuation",
}
# A path whose S3 key (incoming/ + the path below the argument) passes 1,024 bytes.
DEEP = Path(*["d" * 200] * 5)
RUN_TIMEOUT = 600.0
MODEL = "amazon.nova-micro-v1:0"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile-run")
    folder = root / "documents"
    folder.mkdir()
    for name, marker in NAMES.items():
        (folder / name).write_text(f"{PROSE}This file is named for the {marker} case.\n")
    (folder / DEEP).mkdir(parents=True)
    (folder / DEEP / "deep.txt").write_text(PROSE + "A key longer than S3 allows.\n")
    for hostile in KINDS:
        if not hostile.slow:
            suffix = f".{hostile.extension}" if hostile.extension else ""
            (folder / f"kind-{hostile.name}{suffix}").write_bytes(hostile.build())
    secret = root / "outside-secret.txt"
    secret.write_text("A file outside the folder: never read through a link.\n")
    os.symlink(secret, folder / "link-to-outside.txt")
    os.symlink(root, folder / "link-to-parent")
    return folder


@pytest.fixture(scope="module")
def results(inputs: Path) -> Iterator[tuple[list[dict[str, Any]], dict[str, Any], float]]:
    files = expand_paths([str(inputs)])
    started = time.monotonic()
    # The model calls go to the Converse fake: these files test intake, extraction and the
    # flow (tests/unit covers the local model on odd text); it halves this run's time.
    with ConverseFake(model_ids=[MODEL]) as fake:
        env = {
            **fake.env(),
            "DOCPIPE_MODEL_ID": MODEL,
            "DOCPIPE_BUDGET_MODEL_ID": "",
            "DOCPIPE_MAX_EXTRACT_SECONDS": "20",
            "DOCPIPE_MAX_EXTRACT_MEMORY_MB": "512",
        }
        # Retry waits at 1/100 of real time; the execution's own 6-hour limit then is 216 s.
        with LocalEngine(model_provider="bedrock", time_scale=0.01, extra_env=env) as engine:
            ran = run_files(engine, files, timeout=RUN_TIMEOUT)
            engine.settle()
            records = {
                r["file"]: engine.document_item(r["document_id"]) if r["document_id"] else None
                for r in ran
            }
            letters = engine.dead_letters()
    yield ran, {"records": records, "dead_letters": letters}, time.monotonic() - started


def by_file(ran: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {Path(r["file"]).name: r for r in ran}


def test_a_symlink_in_a_directory_is_not_followed_outside_it(inputs: Path) -> None:
    files = expand_paths([str(inputs)])
    names = {f.path.name for f in files}
    assert "link-to-outside.txt" not in names
    assert all(inputs.resolve() in f.path.resolve().parents for f in files)
    assert not any("outside-secret" in str(f.path) for f in files)


def test_every_file_ends_in_one_result_and_one_record(
    results: tuple[list[dict[str, Any]], dict[str, Any], float],
) -> None:
    ran, seen, seconds = results
    assert seconds < RUN_TIMEOUT
    assert len(ran) == len({r["file"] for r in ran})
    statuses = Counter(r["status"] for r in ran)
    assert set(statuses) <= {"SUCCEEDED", "FAILED", "SKIPPED_DUPLICATE"}, statuses
    for result in ran:
        record = seen["records"][result["file"]]
        assert record is not None, result["file"]
        expected = "SKIPPED_DUPLICATE" if result["status"] == "SKIPPED_DUPLICATE" else None
        assert record["status"]["S"] == (expected or result["status"]), result["file"]
    # Every failure is named, and has its dead letter
    failed = [r for r in ran if r["status"] == "FAILED"]
    assert all(r["error"]["type"].endswith("Error") for r in failed), failed
    assert len(seen["dead_letters"]) == len(failed)


def test_hostile_names_are_processed_like_any_other(
    results: tuple[list[dict[str, Any]], dict[str, Any], float],
) -> None:
    ran = by_file(results[0])
    for name, marker in NAMES.items():
        result = ran[name]
        assert result["status"] == "SUCCEEDED", (marker, result["error"])
    assert ran["deep.txt"]["status"] == "SUCCEEDED", ran["deep.txt"]["error"]


def test_hostile_kinds_end_as_extraction_says(
    results: tuple[list[dict[str, Any]], dict[str, Any], float],
) -> None:
    ran = by_file(results[0])
    wrong = []
    for hostile in KINDS:
        if hostile.slow:
            continue
        suffix = f".{hostile.extension}" if hostile.extension else ""
        result = ran[f"kind-{hostile.name}{suffix}"]
        if result["status"] == "FAILED":
            if result["error"]["type"] not in hostile.pipeline_outcomes:
                wrong.append((hostile.name, result["error"]))
        elif not any("/" in outcome for outcome in hostile.outcomes):
            wrong.append((hostile.name, result["status"]))
    assert wrong == []


def test_a_document_id_is_the_key_and_version_of_its_upload(
    results: tuple[list[dict[str, Any]], dict[str, Any], float],
) -> None:
    # Stable identities: no two files share a document id
    ids = [r["document_id"] for r in results[0]]
    assert len(set(ids)) == len(ids)
    assert document_id(BUCKET, "incoming/a", "v") != document_id(BUCKET, "incoming/b", "v")
