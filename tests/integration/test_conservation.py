"""Conservation: 120 documents of mixed kinds, faults injected at random (seeded) into the
tasks, the service integrations and the model, through the whole offline twin.

Whatever was injected: 120 terminal records, as many dead letters as FAILED records, one
notification per document, one execution per upload, no lease left.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator

import pytest

from docpipe import samples
from docpipe.converse_fake import ConverseFake
from docpipe.engine import BUCKET, LocalEngine, Upload
from docpipe.faults import ServiceFaults, StateFault, TaskFaults
from tasks.shared.execution_names import document_id

MODEL = "amazon.nova-micro-v1:0"
DOCUMENTS = 120
SEED = 20261205
TOPICS = ["invoice", "contract", "memo", "report", "letter", "minutes", "policy", "notice"]
WORDS = [
    *("budget", "committee", "review", "quarter", "revenue", "supplier", "delivery"),
    *("schedule", "payment", "terms", "contract", "renewal", "warehouse", "audit"),
    *("safety", "training", "customer", "feedback", "project", "milestone"),
]


def mixed_documents(draw: random.Random) -> Iterator[tuple[str, bytes]]:
    """Text, PDF, DOCX, HTML and CSV documents, some damaged or empty, a few repeated."""
    for n in range(DOCUMENTS):
        topic = draw.choice(TOPICS)
        sentences = [
            f"This {topic} number {n} concerns the {' '.join(draw.sample(WORDS, 4))}."
            for _ in range(draw.randint(3, 12))
        ]
        kind = draw.choices(
            ["txt", "pdf", "docx", "html", "csv", "corrupt", "empty", "repeat"],
            weights=[40, 15, 10, 10, 5, 8, 5, 7],
        )[0]
        if kind == "txt":
            yield f"{topic}-{n}.txt", " ".join(sentences).encode()
        elif kind == "pdf":
            yield f"{topic}-{n}.pdf", samples.pdf_from_pages([sentences])
        elif kind == "docx":
            yield f"{topic}-{n}.docx", samples.docx_from_pages([sentences])
        elif kind == "html":
            body = "".join(f"<p>{s}</p>" for s in sentences)
            yield f"{topic}-{n}.html", f"<html><body>{body}</body></html>".encode()
        elif kind == "csv":
            rows = "\n".join(f"{i},{w},{draw.randint(1, 999)}" for i, w in enumerate(WORDS))
            yield f"{topic}-{n}.csv", f"id,item,amount\n{rows}\n".encode()
        elif kind == "corrupt":
            yield f"{topic}-{n}.pdf", b"%PDF-1.7\n" + draw.randbytes(2000)
        elif kind == "empty":
            yield f"{topic}-{n}.txt", b" \n\t\n"
        else:  # the same bytes as the letter sample: all but the first are duplicates
            yield f"copy-{n}.txt", samples.LETTER.encode()


@pytest.fixture
def fake() -> Iterator[ConverseFake]:
    # The model throttles 10 % and fails 5 % of calls at random (seeded): retried.
    with ConverseFake(model_ids=[MODEL], throttle_rate=0.1, error_rate=0.05, seed=SEED) as server:
        yield server


def test_a_hundred_and_twenty_documents_under_random_faults_are_all_accounted_for(
    fake: ConverseFake,
) -> None:
    draw = random.Random(SEED)
    documents = list(mixed_documents(draw))
    tasks = TaskFaults(crash_rate=0.05, timeout_rate=0.02, seed=SEED)
    services = ServiceFaults(
        [
            StateFault("Register Document", "ThrottlingException", rate=0.1),
            StateFault("Claim Content", "InternalServerError", rate=0.1),
            StateFault("Publish Completion", "InternalError", rate=0.2),
            StateFault("Record Failure", "ProvisionedThroughputExceededException", rate=0.2),
            StateFault("Send To DLQ", "InternalError", rate=0.2),
            StateFault("Publish Failure", "InternalError", rate=0.2),
            StateFault("Release Lease", "InternalServerError", rate=0.2),
        ],
        seed=SEED,
    )
    env = {**fake.env(), "DOCPIPE_MODEL_ID": MODEL, "DOCPIPE_BUDGET_MODEL_ID": ""}
    with LocalEngine(
        model_provider="bedrock",
        time_scale=0.01,
        extra_env=env,
        faults=tasks,
        service_faults=services,
        max_concurrent_documents=8,
    ) as engine:
        uploads: list[Upload] = [engine.upload(data, key) for key, data in documents]
        outcomes = [engine.wait(u.execution_arn, timeout=900) for u in uploads]
        engine.settle()
        records = [engine.document_item(document_id(BUCKET, u.key, u.version_id)) for u in uploads]
        notifications = engine.notifications()
        letters = engine.dead_letters()
        executions = engine.client("stepfunctions").list_executions(
            stateMachineArn=engine.state_machine_arn, maxResults=1000
        )["executions"]
        leases = engine.semaphore().leases()
        injected = Counter(state for _, state, _ in services.injected)

    statuses = Counter(r["status"]["S"] if r else "MISSING" for r in records)
    print(f"records {dict(statuses)}; injected {dict(injected)}; letters {len(letters)}")
    # Faults were injected for real, in every place listed
    assert len(injected) >= 5, injected
    assert sum(injected.values()) >= 50
    # Every document has a terminal record,, none PROCESSING or missing
    assert sum(statuses[s] for s in ("SUCCEEDED", "FAILED", "SKIPPED_DUPLICATE")) == DOCUMENTS
    # Each FAILED record has its dead letter, and nothing else does
    assert len(letters) == statuses["FAILED"], (statuses, Counter(
        str(letter["body"].get("error", {}).get("Error") or letter["body"].get("detail-type"))
        for letter in letters
    ))  # fmt: skip
    # One notification per document, agreeing with its record
    assert len(notifications) == DOCUMENTS
    by_document = Counter(n["message"]["document_id"] for n in notifications)
    assert max(by_document.values()) == 1
    # One execution per upload, each ended; no lease left
    assert len(executions) == DOCUMENTS
    assert {e["name"] for e in executions} == {u.execution_arn.rsplit(":", 1)[-1] for u in uploads}
    assert all(o.status in ("SUCCEEDED", "FAILED") for o in outcomes)
    assert leases == {}
    # The mix held real successes and failures
    assert statuses["SUCCEEDED"] > DOCUMENTS // 2 and statuses["FAILED"] > 10
    assert statuses["SKIPPED_DUPLICATE"] >= 1
