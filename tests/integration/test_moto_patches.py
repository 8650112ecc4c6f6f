"""Each moto internal the offline engine replaces is still there and still needs replacing.

A moto upgrade that moves or fixes one of them fails here first, loudly.
"""

from __future__ import annotations

import inspect

import moto
import pytest
from moto.events import models as events_models
from moto.s3 import notifications
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

from docpipe import moto_patches


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
    before = (
        lambda_eval_utils._invoke_lambda_function,
        events_models.Rule.send_to_targets,
        retrier_decl.time,
    )
    with moto_patches.patched(lambda f, p: {}, lambda a, n, i: None, time_scale=0.5):
        assert lambda_eval_utils._invoke_lambda_function is not before[0]
        assert retrier_decl.time is not before[2]
    after = (
        lambda_eval_utils._invoke_lambda_function,
        events_models.Rule.send_to_targets,
        retrier_decl.time,
    )
    assert after == before


def test_wrong_moto_version_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moto, "__version__", "9.9.9")
    with pytest.raises(moto_patches.PatchError, match=r"9\.9\.9"):
        moto_patches.check_moto()
