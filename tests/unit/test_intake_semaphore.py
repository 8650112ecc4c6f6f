"""The DynamoDB semaphore that caps running executions, on moto's DynamoDB."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto_tables import create_tables

from tasks.shared.semaphore import RELEASED_MARK, Admission, Semaphore, lease_time

REGION = "us-east-1"
# One botocore session for the module's clients: mock_aws() resets boto3's default session
# each time it starts, and loading the service models again costs ~0.1 s a test. Each test
# still gets fresh, empty moto backends.
SESSION = boto3.session.Session()
LEASE_TABLE = "docpipe-leases"
T0 = "2026-03-14T09:26:53.589Z"
T1 = "2026-03-14T09:31:00.000Z"


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = SESSION.client("dynamodb", region_name=REGION)
        create_tables(client, LEASE_TABLE)
        yield client


@pytest.fixture
def semaphore(dynamodb: Any) -> Semaphore:
    return Semaphore(dynamodb, LEASE_TABLE)


class SerialisedDynamoDB:
    """moto's DynamoDB client with one write at a time, as DynamoDB applies writes to an item.

    moto checks a ConditionExpression and then applies the update without a lock
    (moto/dynamodb/models/__init__.py, `update_item`), so two threads can both pass the
    condition. DynamoDB serialises writes to one item; this restores that guarantee, so the
    concurrency tests check the semaphore (one conditional write per acquire), not moto. A
    semaphore that read the count and wrote it in two calls would still fail them.
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.Lock()

    def update_item(self, **kwargs: Any) -> Any:
        with self._lock:
            return self._client.update_item(**kwargs)

    def get_item(self, **kwargs: Any) -> Any:
        with self._lock:
            return self._client.get_item(**kwargs)


def run_together(count: int, action: Callable[[int], Any]) -> list[Any]:
    """`action(i)` in `count` threads released at once by a barrier; their results in order."""
    barrier = threading.Barrier(count, timeout=30)

    def run(index: int) -> Any:
        barrier.wait()
        return action(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(run, index) for index in range(count)]
        return [future.result(timeout=60) for future in futures]


def test_acquire_takes_leases_up_to_the_cap_then_answers_full(semaphore: Semaphore) -> None:
    # Given a semaphore with a cap of 3 and no leases (no item in the table yet)
    assert semaphore.running() == 0
    assert semaphore.leases() == {}

    # When four executions ask for a lease
    answers = [semaphore.acquire(f"execution-{n}", 3, T0) for n in range(4)]

    # Then the first three get one, the fourth is refused, and nothing else changed
    assert answers == [Admission.ACQUIRED] * 3 + [Admission.FULL]
    assert semaphore.running() == 3
    assert semaphore.leases() == {f"execution-{n}": T0 for n in range(3)}


def test_acquiring_a_held_lease_is_held_and_changes_nothing(semaphore: Semaphore) -> None:
    assert semaphore.acquire("execution-a", 2, T0) is Admission.ACQUIRED

    assert semaphore.acquire("execution-a", 2, T1) is Admission.HELD

    assert semaphore.running() == 1
    assert semaphore.leases() == {"execution-a": T0}  # the first time is kept


def test_a_held_lease_is_held_even_when_the_house_is_full(semaphore: Semaphore) -> None:
    assert semaphore.acquire("execution-a", 1, T0) is Admission.ACQUIRED

    assert semaphore.acquire("execution-a", 1, T1) is Admission.HELD
    assert semaphore.acquire("execution-b", 1, T1) is Admission.FULL
    assert semaphore.running() == 1


def test_releasing_twice_is_harmless(semaphore: Semaphore) -> None:
    # Given one lease
    semaphore.acquire("execution-a", 2, T0)

    # When it is released twice
    first, second = semaphore.release("execution-a"), semaphore.release("execution-a")

    # Then the second release reports that nothing was held, and the count stays at zero
    assert (first, second) == (True, False)
    assert semaphore.running() == 0
    assert semaphore.leases() == {}


def test_releasing_a_lease_that_was_never_taken_is_false(semaphore: Semaphore) -> None:
    assert semaphore.release("never-taken") is False  # on an empty table
    semaphore.acquire("execution-a", 2, T0)

    assert semaphore.release("never-taken") is False

    assert semaphore.running() == 1
    assert semaphore.leases() == {"execution-a": T0}


def test_a_release_makes_room_for_the_next_execution(semaphore: Semaphore) -> None:
    semaphore.acquire("execution-a", 1, T0)
    assert semaphore.acquire("execution-b", 1, T0) is Admission.FULL

    semaphore.release("execution-a")

    assert semaphore.acquire("execution-b", 1, T1) is Admission.ACQUIRED
    assert semaphore.leases() == {"execution-b": T1}


def test_a_lower_cap_admits_nobody_until_enough_leases_end(semaphore: Semaphore) -> None:
    for n in range(3):
        semaphore.acquire(f"execution-{n}", 3, T0)

    assert semaphore.acquire("newcomer", 2, T1) is Admission.FULL
    semaphore.release("execution-0")
    assert semaphore.acquire("newcomer", 2, T1) is Admission.FULL
    semaphore.release("execution-1")
    assert semaphore.acquire("newcomer", 2, T1) is Admission.ACQUIRED


def test_leases_and_running_agree_through_any_sequence(semaphore: Semaphore) -> None:
    # Given a seeded mix of acquires and releases (including repeats) and a model of the set
    rng = random.Random(20260314)
    names = [f"execution-{n}" for n in range(8)]
    cap = 4
    model: set[str] = set()

    for _ in range(120):
        name = rng.choice(names)
        # When each operation runs
        if rng.random() < 0.55:
            answer = semaphore.acquire(name, cap, T0)
            expected = (
                Admission.HELD
                if name in model
                else Admission.ACQUIRED
                if len(model) < cap
                else Admission.FULL
            )
            assert answer is expected
            if answer is Admission.ACQUIRED:
                model.add(name)
        else:
            assert semaphore.release(name) is (name in model)
            model.discard(name)

        # Then the count and the leases always match the model
        assert semaphore.running() == len(model) == len(semaphore.leases())
        assert set(semaphore.leases()) == model


def test_execution_names_with_dashes_and_underscores_are_leases_like_any_other(
    semaphore: Semaphore,
) -> None:
    names = ["incoming-report-pdf-0123456789ab", "__init__-pdf-ba9876543210", "document-abc"]

    assert [semaphore.acquire(name, 5, T0) for name in names] == [Admission.ACQUIRED] * 3
    assert set(semaphore.leases()) == set(names)
    assert all(semaphore.release(name) for name in names)
    assert semaphore.running() == 0


def test_a_missing_table_is_an_error_not_a_full_house(dynamodb: Any) -> None:
    semaphore = Semaphore(dynamodb, "no-such-table")

    with pytest.raises(ClientError) as acquire_error:
        semaphore.acquire("execution-a", 2, T0)
    with pytest.raises(ClientError) as release_error:
        semaphore.release("execution-a")

    assert acquire_error.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert release_error.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_concurrent_acquires_never_exceed_the_cap(dynamodb: Any) -> None:
    # Given 16 starters with distinct executions and a cap of 5
    semaphore = Semaphore(SerialisedDynamoDB(dynamodb), LEASE_TABLE)

    # When they all acquire at once
    answers = run_together(16, lambda i: semaphore.acquire(f"execution-{i}", 5, T0))

    # Then exactly five are admitted, and the table holds exactly their leases
    counts = Counter(answers)
    assert counts == {Admission.ACQUIRED: 5, Admission.FULL: 11}
    assert semaphore.running() == 5
    admitted = {
        f"execution-{i}" for i, answer in enumerate(answers) if answer is Admission.ACQUIRED
    }
    assert set(semaphore.leases()) == admitted


def test_concurrent_acquires_of_one_lease_admit_it_once(dynamodb: Any) -> None:
    # Given 12 deliveries of the same message racing for its lease
    semaphore = Semaphore(SerialisedDynamoDB(dynamodb), LEASE_TABLE)

    answers = run_together(12, lambda i: semaphore.acquire("execution-a", 5, T0))

    assert Counter(answers) == {Admission.ACQUIRED: 1, Admission.HELD: 11}
    assert semaphore.running() == 1


def test_concurrent_releases_of_one_lease_release_it_once(dynamodb: Any) -> None:
    # Given one lease and the three parties that may release it, several times over
    semaphore = Semaphore(SerialisedDynamoDB(dynamodb), LEASE_TABLE)
    semaphore.acquire("execution-a", 5, T0)
    semaphore.acquire("execution-b", 5, T0)

    answers = run_together(9, lambda i: semaphore.release("execution-a"))

    assert answers.count(True) == 1
    assert semaphore.running() == 1
    assert semaphore.leases() == {"execution-b": T0}


def test_a_lease_marked_released_keeps_its_place_until_it_is_freed(semaphore: Semaphore) -> None:
    # Given a house of one whose execution has marked its lease released (Release Lease)
    semaphore.acquire("execution-a", 1, T0)
    assert semaphore.mark_released("execution-a", T1) is True

    # Then the place is still taken: the execution is RUNNING until it ends
    assert semaphore.acquire("execution-b", 1, T1) is Admission.FULL
    assert semaphore.marked_released() == ["execution-a"]
    assert semaphore.leases() == {"execution-a": RELEASED_MARK + T1}
    assert lease_time(semaphore.leases()["execution-a"]) == T1
    # And freeing it makes room
    assert semaphore.release("execution-a") is True
    assert semaphore.acquire("execution-b", 1, T1) is Admission.ACQUIRED
    assert semaphore.marked_released() == []


def test_marking_a_lease_that_is_gone_is_false_and_takes_no_place(semaphore: Semaphore) -> None:
    assert semaphore.mark_released("never-taken", T0) is False
    assert semaphore.leases() == {}
    assert semaphore.running() == 0
