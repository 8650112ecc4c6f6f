"""Offline engine fixtures: each test gets a fresh emulated stack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from docpipe.converse_fake import ConverseFake
from docpipe.engine import LocalEngine

# The model the bedrock-provider tests call through the Converse fake.
MODEL = "amazon.nova-micro-v1:0"


@pytest.fixture
def engine() -> Iterator[LocalEngine]:
    # Retry waits run at 1/1000 of real time; small chunks make short texts take the Map.
    with LocalEngine(
        time_scale=0.001,
        extra_env={"DOCPIPE_CHUNK_TOKENS": "400", "DOCPIPE_CHUNK_OVERLAP_TOKENS": "40"},
    ) as e:
        yield e


@pytest.fixture
def fake() -> Iterator[ConverseFake]:
    """The Converse fake, knowing MODEL only."""
    with ConverseFake(model_ids=[MODEL]) as server:
        yield server


@pytest.fixture
def bedrock(fake: ConverseFake) -> Iterator[LocalEngine]:
    """A twin whose model calls go to the fake; retry waits at 1/1000 of real time, so
    exhausting a Retry takes well under 1 s."""
    env = {**fake.env(), "DOCPIPE_MODEL_ID": MODEL, "DOCPIPE_BUDGET_MODEL_ID": ""}
    with LocalEngine(model_provider="bedrock", time_scale=0.001, extra_env=env) as e:
        yield e
