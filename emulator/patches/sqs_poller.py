"""The SQS event source mapping polls asynchronously, as Lambda's does.

moto 5.2.1 delivers inside SendMessage: `Queue.add_message` receives the message and invokes the
function before SendMessage returns, one record per invocation, and makes a failed message visible
again at once. So no batch can still be running once the mapping is disabled or deleted, and a
destroy racing an in-flight batch (the integration function writing `outbound/` into a bucket being
emptied) cannot be reproduced. Lambda instead:

- polls the queue and invokes the function synchronously with a batch of up to BatchSize records;
  a batch that succeeds has its messages deleted, a failed one (or the records named in
  `batchItemFailures` with ReportBatchItemFailures) becomes visible again only after the queue's
  visibility timeout ("Using Lambda with Amazon SQS", https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html;
  "Handling errors for an SQS event source", https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html);
- processes several batches at a time ("Lambda starts processing five batches at a time with five
  concurrent invocations of your function", https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html);
- reports the mapping's `State` as one of Creating, Enabling, Enabled, Disabling, Disabled,
  Updating, Deleting ("EventSourceMappingConfiguration", https://docs.aws.amazon.com/lambda/latest/api/API_EventSourceMappingConfiguration.html),
  and "when you delete an event source mapping, it enters a Deleting state and might not be
  completely deleted for several seconds" (https://docs.aws.amazon.com/lambda/latest/api/API_DeleteEventSourceMapping.html).

Here: SendMessage only stores the message; one poller thread per enabled SQS mapping long-polls the
queue (1 s) and runs each batch in its own thread, at most five at a time. Disabling or deleting the
mapping stops the poller, never a batch already received: the mapping reports `Disabling` (or
`Deleting`, and stays listed) until its poller and batches have finished, then `Disabled` (or is
gone). A batch holds the function it was given, so deleting the function does not abort it either.
AWS documents no cancellation of a running invocation when its function or mapping is deleted;
letting it finish is the assumption on the safe side for a destroy, which must wait for it.
With `--duplicate-deliveries` every batch is invoked twice with the same records (delivery.py).
With `--sqs-batch-delay-ms N` a batch's invocation starts N ms after the batch was received (as
after a cold start's init, which Lambda lets take up to 10 s), so a test can catch a batch in flight.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from ._core import Emulator, Patches

MOTO_VERSION = "5.2.1"
# Lambda's initial number of concurrent batches per SQS mapping (services-sqs-scaling.html).
CONCURRENT_BATCHES = 5
# The poller's long poll: short, so a disable settles within about a second.
POLL_SECONDS = 1

_lock = threading.Lock()
_pollers: dict[str, threading.Thread] = {}
_in_flight: dict[str, int] = {}
_deleting: set[str] = set()


def busy(uuid: str) -> bool:
    """A poller still receiving, or a batch still running, for this mapping."""
    with _lock:
        poller = _pollers.get(uuid)
        return (poller is not None and poller.is_alive()) or _in_flight.get(uuid, 0) > 0


def state(esm: Any) -> str:
    if esm.uuid in _deleting:
        return "Deleting"
    if esm.enabled:
        return "Enabled"
    return "Disabling" if busy(esm.uuid) else "Disabled"


def sqs_event(messages: list[Any], queue_arn: str, region: str) -> dict[str, Any]:
    """The batch as Lambda sends it (the record fields moto's own delivery builds)."""
    records = []
    for message in messages:
        record: dict[str, Any] = {
            "messageId": message.id,
            "receiptHandle": message.receipt_handle,
            "body": message.body,
            "attributes": {
                "ApproximateReceiveCount": str(message.approximate_receive_count),
                "SentTimestamp": str(message.sent_timestamp),
                "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                "ApproximateFirstReceiveTimestamp": str(message.approximate_first_receive_timestamp),
            },
            "messageAttributes": {},
            "md5OfBody": message.body_md5,
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": region,
        }
        if queue_arn.endswith(".fifo"):
            record["attributes"].update({"MessageGroupId": message.group_id, "MessageDeduplicationId": message.deduplication_id})
        records.append(record)
    return {"Records": records}


def failed_ids(esm: Any, messages: list[Any], payload: Any, errored: bool) -> set[str]:
    """The messages to leave for a retry: all of them on a function error, else those the partial
    batch response names (only with ReportBatchItemFailures; an unreadable one fails the batch)."""
    every = {message.id for message in messages}
    if errored:
        return every
    if "ReportBatchItemFailures" not in (esm.function_response_types or []):
        return set()
    try:
        answer = json.loads(payload or b"null")
    except ValueError:
        return every
    failures = answer.get("batchItemFailures") if isinstance(answer, dict) else None
    if not failures:
        return set()
    try:
        named = {str(failure["itemIdentifier"]) for failure in failures}
    except (TypeError, KeyError):
        return every
    return named if named <= every else every


def run_batch(esm: Any, fn: Any, queue: Any, messages: list[Any], emulator: Emulator) -> None:
    """One batch, start to end: invoke, then delete what succeeded (failures wait out the visibility timeout)."""
    from moto.sqs.models import sqs_backends

    try:
        # A slow start (a cold start's init, a busy host): the batch is in flight, not yet begun.
        time.sleep(emulator.sqs_batch_delay_ms / 1000)
        event = json.dumps(sqs_event(messages, queue.queue_arn, esm.region))
        failed: set[str] = set()
        for _ in range(2 if emulator.duplicate_deliveries else 1):
            response_headers: dict[str, Any] = {}
            try:
                payload = fn.invoke(event, {}, response_headers)
            except Exception:  # noqa: BLE001 - a crashed invocation fails the batch, as in Lambda
                payload, response_headers["x-amz-function-error"] = None, "Unhandled"
            failed |= failed_ids(esm, messages, payload, "x-amz-function-error" in response_headers)
        backend = sqs_backends[queue.account_id][queue.region]
        for message in messages:
            if message.id in failed:
                continue
            try:
                backend.delete_message(queue.name, message.receipt_handle)
            except Exception:  # noqa: BLE001 - the queue was deleted meanwhile: nothing to delete
                pass
    finally:
        with _lock:
            _in_flight[esm.uuid] -= 1
        settle(esm)


def active(esm: Any) -> bool:
    return esm.enabled and esm.uuid not in _deleting


def poll(esm: Any, emulator: Emulator) -> None:
    """The mapping's poller: receives batches while the mapping is enabled, each run in its own thread."""
    from moto.awslambda.models import lambda_backends
    from moto.sqs.models import sqs_backends

    backend = sqs_backends[esm.account_id][esm.region]
    slots = threading.BoundedSemaphore(CONCURRENT_BATCHES)
    try:
        while active(esm):
            queue = next((q for q in list(backend.queues.values()) if q.queue_arn == esm.event_source_arn), None)
            if queue is None:
                return
            if not slots.acquire(timeout=POLL_SECONDS):
                continue
            try:
                messages = backend.receive_message(queue.name, esm.batch_size, POLL_SECONDS, int(queue.visibility_timeout))
            except Exception:  # noqa: BLE001 - the queue went while polling
                slots.release()
                return
            fn = lambda_backends[esm.account_id][esm.region].get_function_by_arn(esm.function_arn) if messages else None
            if fn is None:
                slots.release()
                continue
            with _lock:
                _in_flight[esm.uuid] = _in_flight.get(esm.uuid, 0) + 1

            def batch(fn: Any = fn, queue: Any = queue, messages: list[Any] = messages) -> None:
                try:
                    run_batch(esm, fn, queue, messages, emulator)
                finally:
                    slots.release()

            threading.Thread(target=batch, name=f"sqs-batch-{esm.uuid}", daemon=True).start()
    finally:
        with _lock:
            _pollers.pop(esm.uuid, None)
        settle(esm)


def settle(esm: Any) -> None:
    """A deleting mapping is removed once nothing of it runs any more."""
    from moto.awslambda.models import lambda_backends

    if esm.uuid in _deleting and not busy(esm.uuid):
        lambda_backends[esm.account_id][esm.region]._event_source_mappings.pop(esm.uuid, None)
        with _lock:
            _deleting.discard(esm.uuid)


def start_poller(esm: Any, emulator: Emulator) -> None:
    if esm is None or not active(esm) or ":sqs:" not in esm.event_source_arn:
        return
    with _lock:
        running = _pollers.get(esm.uuid)
        if running is not None and running.is_alive():
            return
        poller = threading.Thread(target=poll, args=(esm, emulator), name=f"sqs-poller-{esm.uuid}", daemon=True)
        _pollers[esm.uuid] = poller
    poller.start()


def add_message(self: Any, message: Any) -> None:
    """Queue.add_message without the delivery: FIFO de-duplication (moto's, unchanged), then store."""
    from moto.sqs.models import DEDUPLICATION_TIME_IN_SECONDS

    if self.fifo_queue and (self.attributes.get("ContentBasedDeduplication") == "true" or message.deduplication_id):
        for other in self._messages:
            if other.deduplication_id == message.deduplication_id and (message.sent_timestamp - other.sent_timestamp) / 1000 < DEDUPLICATION_TIME_IN_SECONDS:
                return
    with self._messages_lock:
        self._messages.append(message)
        self._messages_lock.notify_all()


def apply(patches: Patches, emulator: Emulator) -> None:
    """SendMessage stores; a poller per mapping delivers; the mapping reports Disabling/Deleting while batches run."""
    from moto.awslambda.models import EventSourceMapping, LambdaBackend
    from moto.sqs.models import Queue

    create = patches.require(LambdaBackend, "create_event_source_mapping")
    update = patches.require(LambdaBackend, "update_event_source_mapping")
    get_configuration = patches.require(EventSourceMapping, "get_configuration")

    def create_event_source_mapping(self: Any, spec: dict[str, Any]) -> Any:
        esm = create(self, spec)
        start_poller(esm, emulator)
        return esm

    def update_event_source_mapping(self: Any, uuid: str, spec: dict[str, Any]) -> Any:
        if uuid in _deleting:
            return None
        esm = update(self, uuid, spec)
        start_poller(esm, emulator)
        return esm

    def delete_event_source_mapping(self: Any, uuid: str) -> Any:
        esm = self._event_source_mappings.get(uuid)
        if esm is None:
            return None
        with _lock:
            _deleting.add(uuid)
        for queue in _queues_of(esm):
            queue.lambda_event_source_mappings.pop(esm.function_arn, None)
        settle(esm)
        return esm

    def configuration(self: Any) -> dict[str, Any]:
        result = get_configuration(self)
        result["State"] = state(self)
        return result

    patches.replace(Queue, "add_message", add_message, "sqs: SendMessage stores the message; the event source mapping polls")
    patches.replace(LambdaBackend, "create_event_source_mapping", create_event_source_mapping, "lambda: an SQS event source mapping polls in its own thread, batches run in theirs")
    patches.replace(LambdaBackend, "update_event_source_mapping", update_event_source_mapping, "lambda: a disabled mapping stops polling; its batches in flight finish")
    patches.replace(LambdaBackend, "delete_event_source_mapping", delete_event_source_mapping, "lambda: a deleted mapping is Deleting until its batches in flight finish")
    patches.replace(EventSourceMapping, "get_configuration", configuration, "lambda: the mapping's State is Disabling/Deleting while batches run")


def _queues_of(esm: Any) -> list[Any]:
    from moto.sqs.models import sqs_backends

    return [q for q in list(sqs_backends[esm.account_id][esm.region].queues.values()) if q.queue_arn == esm.event_source_arn]
