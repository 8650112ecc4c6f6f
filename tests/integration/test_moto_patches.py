"""Each moto internal the offline engine replaces is still there and still needs replacing.

A moto upgrade that moves or fixes one of them fails here first, loudly.
"""

from __future__ import annotations

import collections
import copy
import inspect
import json
import threading
import time
import types
from typing import Any

import moto
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.events import models as events_models
from moto.s3 import notifications
from moto.sqs import models as sqs_models
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3 import (  # noqa: E501
    ResourceEvalS3,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

from docpipe import moto_patches
from docpipe.engine import BUCKET, LocalEngine
from docpipe.textract_emulator import TesseractTextDetection


def test_moto_is_the_pinned_version() -> None:
    assert moto.__version__ == moto_patches.PINNED_MOTO_VERSION
    moto_patches.check_moto()


def test_lambda_invocation_goes_through_the_replaced_function() -> None:
    signature = inspect.signature(lambda_eval_utils._invoke_lambda_function)
    assert list(signature.parameters) == ["parameters", "region", "state_credentials"]
    # The integration looks the function up at call time, so replacing it takes effect.
    source = inspect.getsource(lambda_eval_utils.execute_lambda_function_integration)
    assert "_invoke_lambda_function(" in source


def test_stock_rule_cannot_deliver_to_a_state_machine() -> None:
    source = inspect.getsource(events_models.Rule.send_to_targets)
    assert 'arn.service == "sqs"' in source and '"states"' not in source
    assert list(inspect.signature(events_models.Rule.send_to_targets).parameters) == [
        "self",
        "original_event",
        "transform_input",
    ]


def test_moto_s3_event_still_spells_etag_differently_from_aws() -> None:
    source = inspect.getsource(notifications._send_event_bridge_message)
    assert '"eTag"' in source
    event = {"source": "aws.s3", "time": 0, "detail": {"object": {"eTag": "abc"}}}
    shaped = moto_patches.aws_shaped_s3_event(event)
    assert shaped["detail"]["object"] == {"etag": "abc"}
    assert shaped["time"] == "1970-01-01T00:00:00Z"


def test_retry_waits_use_the_module_time_sleep() -> None:
    assert retrier_decl.time.sleep is not None
    assert "time.sleep(interval_seconds)" in inspect.getsource(retrier_decl.RetrierDecl)


def test_patches_are_removed_on_exit() -> None:
    before = [getattr(owner, name) for owner, name in moto_patches.PATCH_POINTS]
    with moto_patches.patched(
        lambda f, p: {}, lambda a, n, i: None, TesseractTextDetection(), time_scale=0.5
    ):
        during = [getattr(owner, name) for owner, name in moto_patches.PATCH_POINTS]
        assert all(now is not then for now, then in zip(during, before, strict=True))
    after = [getattr(owner, name) for owner, name in moto_patches.PATCH_POINTS]
    assert after == before


def test_wrong_moto_version_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moto, "__version__", "9.9.9")
    with pytest.raises(moto_patches.PatchError, match=r"9\.9\.9"):
        moto_patches.check_moto()


def test_stock_textract_text_detection_is_canned_and_still_needs_replacing() -> None:
    from moto.textract.models import TextractBackend

    # moto answers every job at once with class-level fixed blocks: no OCR happens.
    assert TextractBackend.BLOCKS == []
    source = inspect.getsource(TextractBackend.start_document_text_detection)
    assert "TextractBackend.BLOCKS" in source


def test_wait_states_wait_on_the_program_state_event() -> None:
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import (
        wait_function,
    )

    signature = inspect.signature(wait_function.WaitFunction._wait_interval)
    assert list(signature.parameters) == ["self", "env", "wait_seconds"]
    source = inspect.getsource(wait_function.WaitFunction._wait_interval)
    assert "program_state_event.wait(wait_seconds)" in source


def test_stock_program_waits_its_timeout_in_real_seconds_and_keeps_its_threads() -> None:
    # program_eval in moto_patches is this method with a scaled timeout: it must not drift.
    from moto.stepfunctions.parser.asl.component.program.program import Program

    source = inspect.getsource(Program.eval)
    assert "worker_thread.join(timeout=timeout)" in source
    assert "TMP_THREADS.append(worker_thread)" in source
    assert "env.set_timed_out()" in source


def test_stock_interpreter_emits_no_status_change_events_and_writes_local_timestamps() -> None:
    from moto.stepfunctions.parser.asl.component.state import state
    from moto.stepfunctions.parser.backend import execution

    assert "Execution Status Change" not in inspect.getsource(execution)
    assert "EnteredTime=datetime.datetime.now(tz=datetime.timezone.utc).isoformat()" in (
        inspect.getsource(state.CommonStateField._eval_body)
    )


def test_aws_timestamps_sort_as_strings() -> None:
    earlier = moto_patches.aws_timestamp("2026-12-05T00:04:08.057506+00:00")
    later = moto_patches.aws_timestamp("2026-12-05T00:04:08.9+00:00")
    assert earlier == "2026-12-05T00:04:08.057Z"
    assert earlier < later == "2026-12-05T00:04:08.900Z"


def test_an_execution_not_yet_started_reports_running() -> None:
    from moto.stepfunctions.parser.api import ExecutionStatus
    from moto.stepfunctions.parser.backend import execution as parser_execution

    pending = types.SimpleNamespace(exec_status=None)
    with pytest.raises(AttributeError):  # stock moto: describing it in that moment fails
        parser_execution.Execution.status.fget(pending)
    with moto_patches.patched(lambda f, p: {}, lambda a, n, i: None, TesseractTextDetection()):
        assert parser_execution.Execution.status.fget(pending) == "RUNNING"
        done = types.SimpleNamespace(exec_status=ExecutionStatus.FAILED)
        assert parser_execution.Execution.status.fget(done) == "FAILED"


def test_a_long_poll_receives_a_message_sent_while_it_waits() -> None:
    # Under one lock for the whole poll, the send would wait for the poll to end empty.
    import threading

    import boto3
    from moto import mock_aws

    with (
        mock_aws(),
        moto_patches.patched(lambda f, p: {}, lambda a, n, i: None, TesseractTextDetection()),
    ):
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="long-poll")["QueueUrl"]
        received: list[dict[str, object]] = []
        poll = threading.Thread(
            target=lambda: received.extend(
                sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10).get("Messages", [])
            )
        )
        poll.start()
        while not poll.is_alive():
            pass
        sqs.send_message(QueueUrl=url, MessageBody="during the wait")
        poll.join(timeout=30)

    assert [m["Body"] for m in received] == ["during the wait"]


def test_stock_interpreter_parses_each_jsonpath_at_every_evaluation() -> None:
    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.utils import json_path

    assert "input_expr = parse(path)" in inspect.getsource(json_path.extract_json)
    assert "parse(self.result_path_src)" in inspect.getsource(result_path.ResultPath._eval_body)


def test_each_jsonpath_is_parsed_once_and_reads_as_before() -> None:
    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.utils import json_path

    data = {"a": {"b": [1, 2]}, "m": [{"pos": 1}]}
    stock = json_path.extract_json("$.a.b", data), json_path.extract_json("$.m[0].pos", data)
    with moto_patches.patched(lambda f, p: {}, lambda a, n, i: None, TesseractTextDetection()):
        for module in (json_path, result_path):
            assert module.parse("$.a.b") is module.parse("$.a.b")
        patched = json_path.extract_json("$.a.b", data), json_path.extract_json("$.m[0].pos", data)
        updated = result_path.parse("$.x.y").update_or_create({"a": 1}, 2)
    assert patched == stock
    assert updated == {"a": 1, "x": {"y": 2}}


def test_sends_report_their_queue_and_the_probe_sees_visible_messages() -> None:
    import boto3
    from moto import mock_aws
    from moto.sqs.models import SQSBackend

    for name in moto_patches.SQS_SENDS:
        assert list(inspect.signature(getattr(SQSBackend, name)).parameters)[:2] == [
            "self",
            "queue_name",
        ]
    sent: list[str] = []
    with (
        mock_aws(),
        moto_patches.patched(
            lambda f, p: {},
            lambda a, n, i: None,
            TesseractTextDetection(),
            on_message_sent=sent.append,
        ),
    ):
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="intake")["QueueUrl"]
        probe = moto_patches.visible_messages_probe("123456789012", "us-east-1", "intake")
        missing = moto_patches.visible_messages_probe("123456789012", "us-east-1", "nowhere")
        assert not probe() and not missing()

        sqs.send_message(QueueUrl=url, MessageBody="one")
        assert sent == ["intake"] and probe()
        sqs.receive_message(QueueUrl=url, VisibilityTimeout=600)
        assert not probe()  # in flight
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "1", "MessageBody": "two"}])
        assert set(sent) == {"intake"} and len(sent) >= 2 and probe()


def test_stock_item_reader_reads_one_page_of_the_listing() -> None:
    source = inspect.getsource(ResourceEvalS3.__dict__["_handle_list_objects_v2"])
    assert "list_objects_v2(**parameters)" in source and 'response["Contents"]' in source
    assert "ContinuationToken" not in source


def test_the_item_reader_pages_through_the_whole_listing() -> None:
    # Given more objects under a prefix than one ListObjectsV2 page holds
    with LocalEngine(time_scale=0.001) as engine:
        s3 = engine.client("s3")
        for index in range(1003):
            s3.put_object(Bucket=BUCKET, Key=f"many/{index:05}", Body=b"")
        # When a Distributed Map reads the prefix (a Pass child, so nothing is sent)
        definition = {
            "StartAt": "Each",
            "States": {
                "Each": {
                    "Type": "Map",
                    "ItemReader": {
                        "Resource": "arn:aws:states:::s3:listObjectsV2",
                        "Parameters": {"Bucket": BUCKET, "Prefix.$": "$.prefix"},
                    },
                    "ItemSelector": {"key.$": "$$.Map.Item.Value.Key"},
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                        "StartAt": "Pass",
                        "States": {"Pass": {"Type": "Pass", "End": True}},
                    },
                    "MaxConcurrency": 40,
                    "End": True,
                }
            },
        }
        sfn = engine.client("stepfunctions")
        machine = sfn.create_state_machine(
            name="list-many",
            definition=json.dumps(definition),
            roleArn="arn:aws:iam::123456789012:role/x",
        )["stateMachineArn"]
        for prefix, count in (("many/", 1003), ("none/", 0)):
            arn = sfn.start_execution(
                stateMachineArn=machine, name=f"list-{count}", input=json.dumps({"prefix": prefix})
            )["executionArn"]
            outcome = engine.wait(arn, timeout=120)
            # Then every object is an item, and an empty prefix is no item at all
            assert outcome.status == "SUCCEEDED", outcome
            assert isinstance(outcome.output, list) and len(outcome.output) == count
            if count:
                assert outcome.output[-1] == {"key": "many/01002"}


def test_a_definition_is_parsed_once_and_a_bad_one_is_still_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parses: list[str] = []
    parse = AmazonStateLanguageParser.parse

    def counted(definition: str) -> Any:
        parses.append(definition)
        return parse(definition)

    monkeypatch.setattr(AmazonStateLanguageParser, "parse", staticmethod(counted))
    with LocalEngine(time_scale=0.001) as engine:
        sfn = engine.client("stepfunctions")
        role = "arn:aws:iam::123456789012:role/x"
        # A definition no other test uses: the cache lasts as long as the process.
        good = json.dumps(
            {
                "Comment": "parsed once (test_moto_patches)",
                "StartAt": "P",
                "States": {"P": {"Type": "Pass", "End": True}},
            }
        )
        for name in ("once", "twice"):
            sfn.create_state_machine(name=name, definition=good, roleArn=role)
        arn = sfn.start_execution(
            stateMachineArn=sfn.list_state_machines()["stateMachines"][-1]["stateMachineArn"]
        )["executionArn"]
        assert engine.wait(arn, timeout=60).status == "SUCCEEDED"
        assert parses.count(good) == 1  # two creations and an execution
        bad = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Nonsense"}}})
        with pytest.raises(ClientError, match="ASLParserException"):
            sfn.create_state_machine(name="bad", definition=bad, roleArn=role)


def test_stock_interpreter_copies_state_data_with_deepcopy() -> None:
    from moto.stepfunctions.parser.asl.eval.states import States

    for module in moto_patches.STATE_DATA_COPIERS:
        assert module.copy is copy and "copy.deepcopy(" in inspect.getsource(module)
    assert "copy.deepcopy(result)" in inspect.getsource(States._extract)


def test_json_copy_copies_as_deepcopy_does() -> None:
    import datetime

    stamp = datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC)
    data: dict[str, Any] = {
        "a": [1, 2.5, "x", None, True, {"b": []}],
        "t": (1, [2]),
        "d": stamp,
        "o": collections.OrderedDict(k=[1]),
    }
    copied = moto_patches.json_copy(data)
    assert copied == copy.deepcopy(data) == data
    assert copied is not data and copied["a"] is not data["a"]
    assert copied["a"][5] is not data["a"][5] and copied["a"][5]["b"] is not data["a"][5]["b"]
    assert copied["t"][1] is not data["t"][1]  # other values: copy.deepcopy
    assert copied["o"]["k"] is not data["o"]["k"] and type(copied["o"]) is collections.OrderedDict
    with moto_patches.patched(lambda f, p: {}, lambda a, n, i: None, TesseractTextDetection()):
        for module in moto_patches.STATE_DATA_COPIERS:
            assert module.copy.deepcopy is moto_patches.json_copy


def test_stock_interpreter_runs_every_state_in_a_thread_of_its_own() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState

    source = inspect.getsource(ExecutionState._evaluate_with_timeout)
    assert "Thread(target=_exec_and_notify" in source
    assert "terminated_event.wait(timeout_seconds)" in source


def test_a_state_without_timeout_runs_in_its_callers_thread() -> None:
    # Given a Lambda task without TimeoutSeconds and one with it
    threads: dict[str, str] = {}

    def invoke(function: str, payload: bytes) -> dict[str, Any]:
        threads[json.loads(payload)["task"]] = threading.current_thread().name
        return {"StatusCode": 200, "Payload": {"ok": True}}

    definition = {
        "StartAt": "Plain",
        "States": {
            "Plain": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "f", "Payload": {"task": "plain"}},
                "ResultSelector": {"ok.$": "$.Payload.ok"},
                "ResultPath": "$.plain",
                "Next": "Timed",
            },
            "Timed": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "f", "Payload": {"task": "timed"}},
                "TimeoutSeconds": 60,
                "ResultSelector": {"ok.$": "$.Payload.ok"},
                "ResultPath": "$.timed",
                "End": True,
            },
        },
    }
    with (
        mock_aws(config={"stepfunctions": {"execute_state_machine": True}}),
        moto_patches.patched(invoke, lambda a, n, i: None, TesseractTextDetection()),
    ):
        import boto3

        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        machine = sfn.create_state_machine(
            name="threads",
            definition=json.dumps(definition),
            roleArn="arn:aws:iam::123456789012:role/x",
        )["stateMachineArn"]
        arn = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
        deadline = time.monotonic() + 30
        while (described := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
            assert time.monotonic() < deadline
            time.sleep(0.01)
    # Then both ran and answered as before; only the one with a timeout had its own thread
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"]) == {"plain": {"ok": True}, "timed": {"ok": True}}
    assert "_exec_and_notify" in threads["timed"]
    assert "_exec_and_notify" not in threads["plain"]


def test_stock_sqs_send_counts_the_queue_for_an_attribute() -> None:
    from moto.sqs.models import SQSBackend

    source = inspect.getsource(SQSBackend.send_message)
    assert 'queue.attributes.get("ContentBasedDeduplication") == "true"' in source
    # ... which lists (counts) every message of the queue
    assert "ApproximateNumberOfMessages" in sqs_models.Queue.BASE_ATTRIBUTES
    assert "self.BASE_ATTRIBUTES" in inspect.getsource(sqs_models.Queue.__dict__["attributes"].fget)


def test_a_send_reads_no_queue_attributes_and_fifo_deduplication_still_works(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import boto3

    with (
        mock_aws(),
        moto_patches.patched(lambda f, p: {}, lambda a, n, i: None, TesseractTextDetection()),
    ):
        sqs = boto3.client("sqs", region_name="us-east-1")
        plain = sqs.create_queue(QueueName="plain")["QueueUrl"]
        fifo = sqs.create_queue(
            QueueName="q.fifo",
            Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
        )["QueueUrl"]
        for _ in range(2):
            sqs.send_message(QueueUrl=fifo, MessageBody="same", MessageGroupId="g")
        received = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10)["Messages"]
        assert [m["Body"] for m in received] == ["same"]  # deduplicated by content

        def counted(self: Any) -> Any:
            raise AssertionError("Queue.attributes read by a send")

        monkeypatch.setattr(sqs_models.Queue, "attributes", property(counted))
        sqs.send_message(QueueUrl=plain, MessageBody="one", DelaySeconds=0)
        sqs.send_message_batch(QueueUrl=plain, Entries=[{"Id": "1", "MessageBody": "two"}])
        monkeypatch.undo()
        bodies = sqs.receive_message(QueueUrl=plain, MaxNumberOfMessages=10)["Messages"]
        assert sorted(m["Body"] for m in bodies) == ["one", "two"]


def test_stock_s3_backend_reloads_its_urls_at_every_request() -> None:
    from moto.s3.models import S3Backend

    assert "reload(backend_urls_module)" in inspect.getsource(
        S3Backend.__dict__["_url_module"].fget
    )


def test_s3_urls_are_reloaded_only_when_the_custom_endpoints_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib

    import boto3

    reloads: list[str] = []
    reload = importlib.reload

    def counted(module: Any) -> Any:
        reloads.append(module.__name__)
        return reload(module)

    monkeypatch.setattr(importlib, "reload", counted)
    monkeypatch.delenv("MOTO_S3_CUSTOM_ENDPOINTS", raising=False)
    with (
        mock_aws(),
        moto_patches.patched(lambda f, p: {}, lambda a, n, i: None, TesseractTextDetection()),
    ):
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="urls-bucket")
        for index in range(3):
            s3.put_object(Bucket="urls-bucket", Key=f"k{index}", Body=b"x")
        assert reloads == ["moto.s3.urls"]
        monkeypatch.setenv("MOTO_S3_CUSTOM_ENDPOINTS", "https://s3.example.test")
        assert s3.get_object(Bucket="urls-bucket", Key="k0")["Body"].read() == b"x"
        assert reloads == ["moto.s3.urls"] * 2
        monkeypatch.delenv("MOTO_S3_CUSTOM_ENDPOINTS")
        s3.list_objects_v2(Bucket="urls-bucket")
        assert reloads == ["moto.s3.urls"] * 3


def test_describe_map_run_skips_executions_whose_worker_has_not_begun() -> None:
    from moto.stepfunctions.parser.api import ResourceNotFound
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    # Given one execution being started (no worker, or a worker without its environment)
    # and one whose Map run is known
    record = types.SimpleNamespace(describe=lambda: {"mapRunArn": "run-1"})
    runs = {"run-1": record}
    begun = types.SimpleNamespace(
        exec_worker=types.SimpleNamespace(
            env=types.SimpleNamespace(map_run_record_pool_manager=runs)
        )
    )
    executions = [
        types.SimpleNamespace(exec_worker=None),
        types.SimpleNamespace(exec_worker=types.SimpleNamespace(env=None)),
        begun,
    ]
    backend = types.SimpleNamespace(_get_executions=lambda: executions)
    # moto 5.2.5 stops at the first one (the backfill's progress failed while the intake
    # started a pipeline execution)
    with pytest.raises(AttributeError):
        StepFunctionsParserBackend.describe_map_run(backend, "run-1")  # type: ignore[arg-type]

    with moto_patches.patched(lambda f, p: {}, lambda a, n, i: None, TesseractTextDetection()):
        describe = StepFunctionsParserBackend.describe_map_run
        # Then the run is found past them, and an unknown run is still ResourceNotFound
        assert describe(backend, "run-1") == {"mapRunArn": "run-1"}  # type: ignore[arg-type]
        with pytest.raises(ResourceNotFound):
            describe(backend, "run-2")  # type: ignore[arg-type]
