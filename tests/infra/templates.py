"""Helpers over synthesized templates, shared by the infrastructure tests."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from aws_cdk import CfnElement, Stack
from aws_cdk.assertions import Match, Template
from constructs import IConstruct

Json = dict[str, Any]

# A resource policy's statements include the Deny of requests without TLS.
DENIES_WITHOUT_TLS = Match.array_with(
    [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
)


def only(found: Mapping[str, Any]) -> tuple[str, Any]:
    """The single (logical id, resource) in `found`."""
    assert len(found) == 1, sorted(found)
    ((logical_id, resource),) = found.items()
    return logical_id, resource


def logical_id(stack: Stack, construct: IConstruct) -> str:
    """The logical id of a construct's CloudFormation resource."""
    resource = construct if isinstance(construct, CfnElement) else construct.node.default_child
    assert isinstance(resource, CfnElement), construct.node.path
    value = stack.resolve(stack.get_logical_id(resource))
    assert isinstance(value, str)
    return value


def logical_id_of(template: Template, cfn_type: str, props: Json | None = None) -> str:
    """The single resource of `cfn_type` (with `props`, when given)."""
    return only(template.find_resources(cfn_type, {"Properties": props} if props else None))[0]


def pipeline_machine(template: Template) -> tuple[str, Any]:
    """The document pipeline's state machine (the other one is the backfill's)."""
    found = template.find_resources("AWS::StepFunctions::StateMachine")
    return only({k: v for k, v in found.items() if k.startswith("DocumentPipeline")})


def documents_table_id(template: Template) -> str:
    """The documents table: keyed by document id (the other table holds the leases)."""
    key = [{"AttributeName": "document_id", "KeyType": "HASH"}]
    return logical_id_of(template, "AWS::DynamoDB::Table", {"KeySchema": key})


def lease_table_id(template: Template) -> str:
    """The lease table of the intake's semaphore: keyed by lock name."""
    key = [{"AttributeName": "lock_name", "KeyType": "HASH"}]
    return logical_id_of(template, "AWS::DynamoDB::Table", {"KeySchema": key})


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def key_arn(template: Template) -> Json:
    return {"Fn::GetAtt": [logical_id_of(template, "AWS::KMS::Key"), "Arn"]}


def statements_of_role(resources: Json, role_id: str) -> Iterator[Json]:
    """Every statement of every AWS::IAM::Policy attached to the role `role_id`."""
    for resource in resources.values():
        if resource["Type"] != "AWS::IAM::Policy":
            continue
        if {"Ref": role_id} not in resource["Properties"]["Roles"]:
            continue
        yield from resource["Properties"]["PolicyDocument"]["Statement"]


def role_actions(resources: Json, role_id: str) -> set[str]:
    return {
        action
        for statement in statements_of_role(resources, role_id)
        for action in as_list(statement["Action"])
    }


def granted(resources: Json, role_id: str, action: str) -> list[Any]:
    """The resources on which `role_id` is allowed `action` (exact action names only)."""
    return [
        target
        for statement in statements_of_role(resources, role_id)
        if statement["Effect"] == "Allow" and action in as_list(statement["Action"])
        for target in as_list(statement["Resource"])
    ]


def role_of(resource: Json) -> str:
    """Logical id of the role a function (`Role`) or state machine (`RoleArn`) runs as."""
    properties = resource["Properties"]
    role = properties["RoleArn" if "RoleArn" in properties else "Role"]
    logical_id: str = role["Fn::GetAtt"][0]
    return logical_id


def functions_by_handler(resources: Json) -> dict[str, tuple[str, Json]]:
    """Every function, task and intake alike, by its handler: (logical id, resource)."""
    return {
        resource["Properties"]["Handler"]: (logical_id, resource)
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::Lambda::Function"
    }
