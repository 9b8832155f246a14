"""CloudFormation custom resources: the ResponseURL, and Create, Update and Delete events awaited.

Bellflower's folders custom resource (a function) creates the integration bucket's folders and
empties the bucket when the stack is deleted. moto sends only Create, without waiting for the
answer (the stack goes on, and a FAILED answer was ignored): a stack update dropped the resource
(moto has no update for it) and a delete never reached the function, so the integration bucket was
never emptied and survived destroy. Here every event waits for the function's answer on the
ResponseURL, as CloudFormation waits before it goes on with what depends on the resource; Update
and Delete events carry the physical id the function answered last (for a failed Create, the id
of the FAILED answer: "If the create fails, CloudFormation sends a Delete request with the
physical id returned", Custom resources, CloudFormation User Guide:
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requesttypes-delete.html).
A FAILED answer fails the resource with CloudFormation's reason ("Received response status
[FAILED] from custom resource. Message returned: ..."), and so the create, update or delete
(see cloudformation_rollback.py and cloudformation_delete.py for what follows).
"""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

from ._core import Emulator, Patches

MOTO_VERSION = "5.2.1"
# How long moto's server waits for a custom resource to answer a Delete or Update event.
CUSTOM_RESOURCE_WAIT_SECONDS = 120

# Update and Delete events awaiting their answer on the ResponseURL, by RequestId.
pending: dict[str, dict[str, Any]] = {}
# Answers to Create events (sent by moto, which registers nothing), by RequestId, and their signal.
create_answers: dict[str, dict[str, Any]] = {}
create_answered = threading.Condition()


class CustomResourceFailed(Exception):
    """A custom resource answered FAILED (or not at all); `bellflower_resource` is the resource, so
    that a rollback still sends it Delete."""

    def __init__(self, message: str, resource: Any) -> None:
        super().__init__(message)
        self.bellflower_resource = resource


def failed_reason(answer: dict[str, Any]) -> str:
    """CloudFormation's status reason for a FAILED answer."""
    return f"Received response status [FAILED] from custom resource. Message returned: {answer.get('Reason')} (RequestId: {answer.get('RequestId')})"


def apply_response_url(patches: Patches, emulator: Emulator) -> None:
    """Custom-resource ResponseURL. moto builds it from a Docker host name
    (http://host.docker.internal:<port>); the functions run here (lambda_runner), so it is the
    server itself."""
    from moto import settings

    patches.replace(settings, "moto_server_host", lambda: "http://127.0.0.1", "cloudformation: custom-resource ResponseURL on 127.0.0.1")


def send_event(resource: Any, request_type: str, properties: dict[str, Any], endpoint: str, old_properties: dict[str, Any] | None = None) -> dict[str, Any]:
    """Invokes the resource's function with an Update or Delete event and waits for its answer."""
    from moto.awslambda import lambda_backends

    meta = resource.bellflower
    request_id = str(uuid.uuid4())
    event = {
        "RequestType": request_type,
        "ServiceToken": properties["ServiceToken"],
        "ResponseURL": f"{endpoint}/cloudformation_{resource.region_name}/cfnresponse?stack={meta['stack_id']}",
        "StackId": meta["stack_id"],
        "RequestId": request_id,
        "LogicalResourceId": resource.logical_id,
        "PhysicalResourceId": meta["physical_id"] or resource.resource_name,
        "ResourceType": meta["resource_type"],
        "ResourceProperties": properties,
    }
    if old_properties is not None:
        event["OldResourceProperties"] = old_properties
    answer: dict[str, Any] = {"done": threading.Event()}
    pending[request_id] = answer
    try:
        fn = lambda_backends[meta["account_id"]][resource.region_name].get_function(properties["ServiceToken"])
        fn.invoke(json.dumps(event), {}, {})
        if not answer["done"].wait(CUSTOM_RESOURCE_WAIT_SECONDS):
            raise RuntimeError(f"custom resource {resource.logical_id} did not answer the {request_type} event")
    finally:
        pending.pop(request_id, None)
    if answer.get("Status") != "SUCCESS":
        raise CustomResourceFailed(failed_reason({**answer, "RequestId": request_id}), resource)
    return answer


def await_create(resource: Any) -> None:
    """Waits for the answer to the Create event moto sent: SUCCESS sets the resource's data, FAILED
    (or no answer) raises with the resource, whose physical id is the one the answer gave."""
    request_id = resource.request_id
    with create_answered:
        if not create_answered.wait_for(lambda: request_id in create_answers, CUSTOM_RESOURCE_WAIT_SECONDS):
            raise CustomResourceFailed(f"custom resource {resource.logical_id} did not answer the Create event", resource)
        answer = create_answers.pop(request_id)
    resource.bellflower["physical_id"] = answer.get("PhysicalResourceId")
    if answer["Status"] != "SUCCESS":
        raise CustomResourceFailed(failed_reason(answer), resource)
    resource.set_data(answer.get("Data") or {})


def process_answer(response: Any) -> Any:
    """CloudFormationResponse.process_cfn_response: an answer wakes the event's sender (moto ignored
    a FAILED Create, and set a SUCCESS one's data from the server thread, creating the rest of the
    stack there)."""
    request_id = response._get_param("RequestId")
    answer = {
        "Status": response._get_param("Status"), "Reason": response._get_param("Reason"), "Data": response._get_param("Data"),
        "RequestId": request_id, "PhysicalResourceId": response._get_param("PhysicalResourceId"),
    }
    waiting = pending.get(request_id)
    if waiting is not None:
        waiting.update(answer)
        waiting["done"].set()
        return 200, {"status": 200}, json.dumps("{}")
    with create_answered:
        create_answers[request_id] = answer
        create_answered.notify_all()
    return 200, {"status": 200}, json.dumps("{}")


def apply_events(patches: Patches, emulator: Emulator) -> None:
    """Custom resources keep their properties and physical id, and receive Update and Delete; the
    server reads their answers (see the module's docstring)."""
    from moto.cloudformation import custom_model, responses as cfn_responses

    custom = custom_model.CustomModel
    original_custom_create = patches.require(custom, "create_from_cloudformation_json")
    patches.require(cfn_responses.CloudFormationResponse, "process_cfn_response")
    endpoint = emulator.endpoint

    def custom_create(cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any) -> Any:
        resource = original_custom_create(resource_name, cloudformation_json, account_id, region_name, **kwargs)
        resource.bellflower = {
            "properties": cloudformation_json["Properties"], "stack_id": kwargs["StackId"],
            "resource_type": kwargs["ResourceType"], "account_id": account_id, "physical_id": None,
        }
        await_create(resource)
        return resource

    def custom_delete(self: Any, account_id: str, region_name: str) -> None:
        if getattr(self, "bellflower", None) is not None:
            send_event(self, "Delete", self.bellflower["properties"], endpoint)

    def custom_update(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: Any, account_id: str, region_name: str) -> Any:
        properties = cloudformation_json["Properties"]
        answer = send_event(original_resource, "Update", properties, endpoint, original_resource.bellflower["properties"])
        original_resource.bellflower["properties"] = properties
        original_resource.bellflower["physical_id"] = answer.get("PhysicalResourceId") or original_resource.bellflower["physical_id"]
        original_resource.data = answer.get("Data") or {}
        return original_resource

    def process_cfn_response(self: Any) -> Any:
        return process_answer(self)

    patches.replace(custom, "create_from_cloudformation_json", classmethod(custom_create), "cloudformation: custom resources keep their properties and await their Create")
    patches.replace(custom, "delete", custom_delete, "cloudformation: custom resources receive Delete", new=True)
    patches.replace(custom, "update_from_cloudformation_json", classmethod(custom_update), "cloudformation: custom resources receive Update", new=True)
    patches.replace(cfn_responses.CloudFormationResponse, "process_cfn_response", process_cfn_response, "cloudformation: custom-resource answers awaited, physical ids, FAILED")
