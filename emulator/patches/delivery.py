"""At-least-once delivery, on request (`--duplicate-deliveries`, `startEmulator({ duplicateDeliveries })`).

moto delivers each SQS message to an event source mapping once and each S3 event notification
once. AWS promises neither: "Lambda event source mappings process each event at least once, and
duplicate processing of records can occur"
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html), and "if two
writes are made to a single non-versioned object at the same time ... it is possible that only a
single event notification will be sent" / "Amazon S3 event notifications are designed to be
delivered at least once" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventNotifications.html).
With the option on, every SQS record reaches the function twice (the same message id, body and
receipt handle: sqs_poller.py invokes each batch twice, as it reads `duplicate_deliveries`) and
every S3 event is sent to the function twice (here), so a load can prove the integration Lambda is
idempotent. Off by default: the README flow sees one delivery.
"""

from __future__ import annotations

from typing import Any

from ._core import Emulator, Patches

MOTO_VERSION = "5.2.1"


def apply(patches: Patches, emulator: Emulator) -> None:
    """s3.notifications._invoke_awslambda runs twice (the SQS batches: sqs_poller.run_batch)."""
    if not emulator.duplicate_deliveries:
        return
    from moto.s3 import notifications

    invoke_awslambda = patches.require(notifications, "_invoke_awslambda")

    def invoke_twice(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        invoke_awslambda(account_id, event_body, fn_arn, region_name)
        invoke_awslambda(account_id, event_body, fn_arn, region_name)

    patches.replace(notifications, "_invoke_awslambda", invoke_twice, "delivery: every S3 event notification sent twice")
