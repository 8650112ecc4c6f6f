"""DynamoDB tables as the stack and the offline engine define them, for unit tests on moto."""

from __future__ import annotations

from typing import Any

LEASE_TABLE = "docpipe-leases"
DOCUMENTS_TABLE = "docpipe-documents"
# Each table's partition key (infra/stack.py; docpipe/engine.py).
KEYS = {LEASE_TABLE: "lock_name", DOCUMENTS_TABLE: "document_id"}


def create_tables(dynamodb: Any, *names: str) -> None:
    """Create the named tables (on-demand, string partition key) with a boto3 client."""
    for name in names:
        key = KEYS[name]
        dynamodb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
