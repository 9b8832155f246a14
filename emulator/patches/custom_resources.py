"""CloudFormation custom resources: the ResponseURL, and Update and Delete events.

Bellflower's folders custom resource (a function) creates the integration bucket's folders and
empties the bucket when the stack is deleted. moto sends only Create: a stack update dropped the
resource (moto has no update for it) and a delete never reached the function, so the integration
bucket was never emptied and survived destroy. Here Update and Delete events go to the function
like Create, with the physical id it returned, and the server waits for the answer on the
ResponseURL; a FAILED answer fails the update or delete.
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
        raise RuntimeError(f"custom resource {resource.logical_id} failed the {request_type} event: {answer.get('Reason')}")
    return answer


def process_answer(response: Any, original_cfn_response: Any) -> Any:
    """CloudFormationResponse.process_cfn_response: answers to Update/Delete wake their sender;
    Create answers record the physical id, and a FAILED one fails the stack."""
    request_id = response._get_param("RequestId")
    status = response._get_param("Status")
    answer = pending.get(request_id)
    if answer is not None:
        answer.update({"Status": status, "Reason": response._get_param("Reason"), "Data": response._get_param("Data")})
        answer["done"].set()
        return 200, {"status": 200}, json.dumps("{}")
    stack = response.cloudformation_backend.get_stack(response._get_param("StackId"))
    resource = stack.custom_resources.get(response._get_param("LogicalResourceId"))
    if resource is not None and getattr(resource, "bellflower", None) is not None:
        resource.bellflower["physical_id"] = response._get_param("PhysicalResourceId")
    if status != "SUCCESS":
        # moto ignores a FAILED Create and the stack stays CREATE_IN_PROGRESS for ever.
        stack.status = "CREATE_FAILED"
        stack._add_stack_event("CREATE_FAILED", resource_status_reason=f"{response._get_param('LogicalResourceId')}: {response._get_param('Reason')}")
        return 200, {"status": 200}, json.dumps("{}")
    return original_cfn_response(response)


def apply_delete_order(patches: Patches, emulator: Emulator) -> None:
    """Delete order. moto deletes a stack's resources in no particular order, so a custom resource
    could outlive the bucket it empties, or the role policy that lets it. CloudFormation deletes in
    reverse dependency order, and a custom resource depends on what it manages: custom resources
    now go first, then moto deletes the rest."""
    from moto.cloudformation import custom_model, parsing

    custom = custom_model.CustomModel
    original_map_delete = patches.require(parsing.ResourceMap, "delete")

    def map_delete(self: Any) -> None:
        for logical_id, resource in list(self._parsed_resources.items()):
            retained = (self._resource_json_map.get(logical_id) or {}).get("DeletionPolicy") == "Retain"
            if isinstance(resource, custom) and not retained:
                resource.delete(self._account_id, self._region_name)
                self._parsed_resources.pop(logical_id)
        original_map_delete(self)

    patches.replace(parsing.ResourceMap, "delete", map_delete, "cloudformation: custom resources deleted before what they manage")


def apply_events(patches: Patches, emulator: Emulator) -> None:
    """Custom resources keep their properties and physical id, and receive Update and Delete; the
    server reads their answers (see the module's docstring)."""
    from moto.cloudformation import custom_model, responses as cfn_responses

    custom = custom_model.CustomModel
    original_custom_create = patches.require(custom, "create_from_cloudformation_json")
    original_cfn_response = patches.require(cfn_responses.CloudFormationResponse, "process_cfn_response")
    endpoint = emulator.endpoint

    def custom_create(cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any) -> Any:
        resource = original_custom_create(resource_name, cloudformation_json, account_id, region_name, **kwargs)
        resource.bellflower = {
            "properties": cloudformation_json["Properties"], "stack_id": kwargs["StackId"],
            "resource_type": kwargs["ResourceType"], "account_id": account_id, "physical_id": None,
        }
        return resource

    def custom_delete(self: Any, account_id: str, region_name: str) -> None:
        if getattr(self, "bellflower", None) is not None:
            send_event(self, "Delete", self.bellflower["properties"], endpoint)

    def custom_update(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: Any, account_id: str, region_name: str) -> Any:
        properties = cloudformation_json["Properties"]
        answer = send_event(original_resource, "Update", properties, endpoint, original_resource.bellflower["properties"])
        original_resource.bellflower["properties"] = properties
        original_resource.data = answer.get("Data") or {}
        return original_resource

    def process_cfn_response(self: Any) -> Any:
        return process_answer(self, original_cfn_response)

    patches.replace(custom, "create_from_cloudformation_json", classmethod(custom_create), "cloudformation: custom resources keep their properties")
    patches.replace(custom, "delete", custom_delete, "cloudformation: custom resources receive Delete", new=True)
    patches.replace(custom, "update_from_cloudformation_json", classmethod(custom_update), "cloudformation: custom resources receive Update", new=True)
    patches.replace(cfn_responses.CloudFormationResponse, "process_cfn_response", process_cfn_response, "cloudformation: custom-resource answers to Update/Delete, physical ids, FAILED")
