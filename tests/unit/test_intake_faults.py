"""Injected task faults (docpipe/faults.py): configuration from the environment, seeded draws."""

from __future__ import annotations

from collections import Counter

import pytest

from docpipe.faults import Fault, FaultConfigError, TaskFaults
from tasks.catalog import INTAKE_FUNCTIONS, TASK_FUNCTIONS

ALL_TASKS = frozenset(task.package for task in TASK_FUNCTIONS)


def test_no_variables_means_no_faults_on_every_task() -> None:
    faults = TaskFaults.from_env({})

    assert (faults.crash_rate, faults.timeout_rate, faults.seed) == (0.0, 0.0, None)
    assert faults.tasks == ALL_TASKS
    assert all(faults.draw(task) is None for task in ALL_TASKS for _ in range(50))


def test_empty_variables_are_unset_variables() -> None:
    env = {
        "DOCPIPE_FAULT_CRASH_RATE": "",
        "DOCPIPE_FAULT_TIMEOUT_RATE": "",
        "DOCPIPE_FAULT_TASKS": "",
        "DOCPIPE_FAULT_SEED": "",
    }

    faults = TaskFaults.from_env(env)

    assert (faults.crash_rate, faults.timeout_rate, faults.seed) == (0.0, 0.0, None)
    assert faults.tasks == ALL_TASKS


def test_the_variables_are_read() -> None:
    faults = TaskFaults.from_env(
        {
            "DOCPIPE_FAULT_CRASH_RATE": "0.25",
            "DOCPIPE_FAULT_TIMEOUT_RATE": "1e-1",
            "DOCPIPE_FAULT_TASKS": " extract_text ,summarize_text,, ",
            "DOCPIPE_FAULT_SEED": "42",
        }
    )

    assert faults.crash_rate == 0.25
    assert faults.timeout_rate == 0.1
    assert faults.tasks == {"extract_text", "summarize_text"}
    assert faults.seed == 42


def test_the_process_environment_is_read_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCPIPE_FAULT_CRASH_RATE", "1")
    monkeypatch.setenv("DOCPIPE_FAULT_TASKS", "chunk_text")
    monkeypatch.delenv("DOCPIPE_FAULT_TIMEOUT_RATE", raising=False)
    monkeypatch.delenv("DOCPIPE_FAULT_SEED", raising=False)

    faults = TaskFaults.from_env()

    assert faults.draw("chunk_text") is Fault.CRASH
    assert faults.draw("extract_text") is None


@pytest.mark.parametrize("value", ["-0.1", "1.5", "2", "nan", "inf", "-inf", "ten percent", " "])
@pytest.mark.parametrize("variable", ["DOCPIPE_FAULT_CRASH_RATE", "DOCPIPE_FAULT_TIMEOUT_RATE"])
def test_a_rate_outside_zero_to_one_is_refused_by_name(variable: str, value: str) -> None:
    with pytest.raises(FaultConfigError, match=variable):
        TaskFaults.from_env({variable: value})


@pytest.mark.parametrize("crash, timeout", [("0.6", "0.5"), ("1", "0.01"), ("0.5000001", "0.5")])
def test_rates_that_add_up_to_more_than_one_are_refused(crash: str, timeout: str) -> None:
    env = {"DOCPIPE_FAULT_CRASH_RATE": crash, "DOCPIPE_FAULT_TIMEOUT_RATE": timeout}

    with pytest.raises(FaultConfigError, match="> 1"):
        TaskFaults.from_env(env)


@pytest.mark.parametrize("crash, timeout", [("0.5", "0.5"), ("0.3", "0.7"), ("0", "1"), ("1", "0")])
def test_rates_that_add_up_to_one_are_accepted(crash: str, timeout: str) -> None:
    env = {"DOCPIPE_FAULT_CRASH_RATE": crash, "DOCPIPE_FAULT_TIMEOUT_RATE": timeout}

    faults = TaskFaults.from_env(env)

    assert all(faults.draw("extract_text") is not None for _ in range(200))


def test_unknown_task_names_are_refused_and_named() -> None:
    env = {"DOCPIPE_FAULT_TASKS": "extract_text,extract_txt,Summarize_Text"}

    with pytest.raises(FaultConfigError) as refused:
        TaskFaults.from_env(env)

    message = str(refused.value)
    assert "extract_txt" in message and "Summarize_Text" in message
    assert "known:" in message


@pytest.mark.parametrize("package", [function.package for function in INTAKE_FUNCTIONS])
def test_intake_functions_are_not_fault_targets(package: str) -> None:
    with pytest.raises(FaultConfigError, match=package):
        TaskFaults.from_env({"DOCPIPE_FAULT_TASKS": package})


@pytest.mark.parametrize("seed", ["1.5", "seven", "0x10", "1e3"])
def test_a_seed_that_is_not_an_integer_is_refused(seed: str) -> None:
    with pytest.raises(FaultConfigError, match="DOCPIPE_FAULT_SEED"):
        TaskFaults.from_env({"DOCPIPE_FAULT_SEED": seed})


def test_config_errors_are_value_errors() -> None:
    with pytest.raises(ValueError):
        TaskFaults.from_env({"DOCPIPE_FAULT_CRASH_RATE": "7"})


def test_seeded_draws_repeat() -> None:
    def draws(seed: int) -> list[Fault | None]:
        faults = TaskFaults(crash_rate=0.2, timeout_rate=0.3, seed=seed)
        return [faults.draw("summarize_text") for _ in range(500)]

    assert draws(11) == draws(11)
    assert draws(11) != draws(12)


def test_draws_follow_the_rates() -> None:
    # Given a seeded 20 % crash and 30 % timeout rate
    faults = TaskFaults(crash_rate=0.2, timeout_rate=0.3, seed=2026)

    # When 10,000 invocations draw
    counts = Counter(faults.draw("classify_document") for _ in range(10_000))

    # Then the faults come at about those rates (the seed makes this exact run repeat)
    assert abs(counts[Fault.CRASH] / 10_000 - 0.2) < 0.02
    assert abs(counts[Fault.TIMEOUT] / 10_000 - 0.3) < 0.02
    assert abs(counts[None] / 10_000 - 0.5) < 0.02


def test_zero_rates_never_fault() -> None:
    faults = TaskFaults(crash_rate=0.0, timeout_rate=0.0, seed=1)

    assert {faults.draw(task) for task in ALL_TASKS for _ in range(200)} == {None}


def test_a_crash_rate_of_one_always_crashes() -> None:
    faults = TaskFaults(crash_rate=1.0, seed=1)

    assert {faults.draw(task) for task in ALL_TASKS for _ in range(200)} == {Fault.CRASH}


def test_a_timeout_rate_of_one_always_times_out() -> None:
    faults = TaskFaults(timeout_rate=1.0, seed=1)

    assert {faults.draw(task) for task in ALL_TASKS for _ in range(200)} == {Fault.TIMEOUT}


def test_only_the_named_tasks_fault() -> None:
    # Given faults on extract_text only, always crashing
    faults = TaskFaults.from_env(
        {"DOCPIPE_FAULT_CRASH_RATE": "1", "DOCPIPE_FAULT_TASKS": "extract_text"}
    )

    # Then extract_text always crashes and every other task never does
    assert {faults.draw("extract_text") for _ in range(50)} == {Fault.CRASH}
    others = ALL_TASKS - {"extract_text"}
    assert {faults.draw(task) for task in others for _ in range(50)} == {None}
    assert faults.draw("start_pipeline") is None


def test_tasks_outside_the_filter_do_not_consume_draws() -> None:
    # The sequence a task sees does not depend on how often other tasks ran.
    def extract_draws(interleave: bool) -> list[Fault | None]:
        faults = TaskFaults(
            crash_rate=0.3, timeout_rate=0.3, tasks=frozenset({"extract_text"}), seed=5
        )
        result = []
        for _ in range(200):
            if interleave:
                faults.draw("summarize_text")
            result.append(faults.draw("extract_text"))
        return result

    assert extract_draws(interleave=True) == extract_draws(interleave=False)
