"""The tasks' boto3 clients: one session per process, one client per service."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tasks.shared import clients, sessions


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    clients.reset()
    yield
    clients.reset()


def count_sessions(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    made: list[Any] = []
    real = boto3.session.Session

    def counting(*args: Any, **kwargs: Any) -> Any:
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(sessions.boto3.session, "Session", counting)
    return made


def test_clients_of_several_services_come_from_one_session(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = count_sessions(monkeypatch)
    s3, dynamodb = clients.client("s3"), clients.client("dynamodb")
    bedrock = sessions.new_client("bedrock-runtime")
    assert len(made) == 1
    assert clients.client("s3") is s3 and s3 is not dynamodb
    assert bedrock.meta.service_model.service_name == "bedrock-runtime"
    # A reset (the offline engine's start) reads the environment again: a new session
    clients.reset()
    assert clients.client("s3") is not s3
    assert len(made) == 2


def test_threads_asking_at_once_share_one_client(monkeypatch: pytest.MonkeyPatch) -> None:
    made = count_sessions(monkeypatch)
    start = threading.Barrier(8)
    got: list[Any] = []

    def ask() -> None:
        start.wait()
        got.append(clients.client("s3"))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(got) == 8 and len({id(c) for c in got}) == 1
    assert len(made) == 1
