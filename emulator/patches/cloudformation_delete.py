"""Deleting a stack as CloudFormation does: in reverse dependency order, independent resources in
parallel, each with its events, a failure leaving the stack DELETE_FAILED.

moto deletes a stack's resources one at a time in no particular order, retrying a failed one in
later passes, and records no resource events; a resource that still fails raises out of
DeleteStack (HTTP 500) after the stack has been dropped from the list. CloudFormation instead
"creates, updates, and deletes resources in parallel to the extent possible" and, when resource A
refers to B (Ref, Fn::GetAtt, Fn::Sub) or names it in DependsOn, "Resource A is deleted before
resource B" (DependsOn attribute, CloudFormation Template Reference:
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-dependson.html).
A resource that fails to delete is DELETE_FAILED; the others still finish, what it depends on is
kept, and the stack ends DELETE_FAILED ("The following resource(s) failed to delete: [...]"),
still listed, so that a second DeleteStack retries what is left (Troubleshooting CloudFormation,
"Delete stack fails": https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html#troubleshooting-errors-delete-stack-fails).
A resource with DeletionPolicy Retain is kept (DELETE_SKIPPED).

Bellflower relies on this order: the folders custom resource empties the integration bucket
before the bucket is deleted because it depends on the bucket, and what writes into the bucket
(the mapping, the integration function) goes before the S3 stack because the root stack says so
(DependsOn). moto's retries in any order hid a missing dependency; here it shows (issue 19).
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from ._core import Emulator, Patches

MOTO_VERSION = "5.2.1"

# Resources of one stack deleted at the same time (CloudFormation does not publish its own figure).
DELETE_PARALLELISM = 8

_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")


class StackOperationFailed(Exception):
    """A stack operation ended FAILED; its message is the stack's status reason."""


def references(value: Any) -> set[str]:
    """Names a template fragment refers to with Ref, Fn::GetAtt and Fn::Sub (resources or not)."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                found.add(inner[0] if isinstance(inner, list) else str(inner).split(".", 1)[0])
            elif key == "Fn::Sub":
                text, variables = (inner[0], inner[1]) if isinstance(inner, list) else (inner, {})
                names = {name.split(".", 1)[0] for name in _SUB_VARIABLE.findall(str(text))}
                found |= (names - set(variables)) | references(variables)
            else:
                found |= references(inner)
    return found


def dependencies(resources: dict[str, Any]) -> dict[str, set[str]]:
    """Each resource's dependencies among `resources`: DependsOn, and the resources its other
    attributes refer to (the implicit dependencies of the DependsOn attribute's documentation)."""
    graph: dict[str, set[str]] = {}
    for logical_id, spec in resources.items():
        spec = spec or {}
        declared = spec.get("DependsOn") or []
        declared = [declared] if isinstance(declared, str) else list(declared)
        implicit = references({key: value for key, value in spec.items() if key != "DependsOn"})
        graph[logical_id] = {name for name in (set(declared) | implicit) if name in resources and name != logical_id}
    return graph


def find_stack(account_id: str, region_name: str, stack_id: str) -> Any:
    """The stack a resource map belongs to (also once deleted), or None."""
    from moto.cloudformation import cloudformation_backends

    backend = cloudformation_backends[account_id][region_name]
    return backend.stacks.get(stack_id) or backend.deleted_stacks.get(stack_id)


def physical_id(resource: Any) -> str | None:
    """What CloudFormation shows as a resource's physical id (a nested stack: its stack id)."""
    meta = getattr(resource, "bellflower", None)
    if isinstance(meta, dict) and meta.get("physical_id"):
        return str(meta["physical_id"])
    if hasattr(resource, "stack_id") and hasattr(resource, "resource_map"):
        return str(resource.stack_id)
    try:
        value = getattr(resource, "physical_resource_id", None)
    except Exception:  # noqa: BLE001 - a model whose id cannot be computed any more
        return None
    return None if value is None else str(value)


def resource_event(stack: Any, logical_id: str, resource_type: str, resource: Any, status: str, reason: str | None = None) -> None:
    """A resource's event in its stack's events (DescribeStackEvents), as CloudFormation records them."""
    from moto.cloudformation.models import Event

    if stack is None:
        return
    event = Event(
        stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=logical_id,
        physical_resource_id=physical_id(resource) if resource is not None else None,
        resource_type=resource_type, resource_status=status, resource_status_reason=reason, resource_properties=None,
    )
    stack.events.append(event)


def reason_of(error: BaseException) -> str:
    """A failure's message as a status reason."""
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    return str(message)


def is_model(value: Any) -> bool:
    """A created resource in a resource map (not a parameter, mapping or pseudo parameter)."""
    return value is not None and not isinstance(value, (str, int, float, bool, list, dict))


def delete_resources(resource_map: Any, stack: Any, logical_ids: set[str] | None = None) -> dict[str, str]:
    """Deletes the map's created resources (or `logical_ids` of them) in reverse dependency order,
    independent ones in parallel; returns the reason of each resource that failed. A resource is
    deleted only after every resource that depends on it; what a failed resource depends on stays."""
    from moto.cloudformation import cloudformation_backends
    from moto.cloudformation.models import Stack

    json_map = resource_map._resource_json_map
    parsed = resource_map._parsed_resources
    present = {lid for lid in json_map if is_model(parsed.get(lid)) and (logical_ids is None or lid in logical_ids)}
    graph = dependencies(json_map)
    depends_on = {lid: graph.get(lid, set()) & present for lid in present}
    waiting_for = {lid: {other for other in present if lid in depends_on[other]} for lid in present}
    lock = threading.Lock()
    failed: dict[str, str] = {}
    backend = cloudformation_backends[resource_map._account_id][resource_map._region_name]

    def delete_one(logical_id: str) -> str | None:
        resource = parsed[logical_id]
        spec = json_map[logical_id] or {}
        resource_type = spec.get("Type", "")
        if spec.get("DeletionPolicy") == "Retain":
            resource_event(stack, logical_id, resource_type, resource, "DELETE_SKIPPED")
        else:
            resource_event(stack, logical_id, resource_type, resource, "DELETE_IN_PROGRESS")
            try:
                if isinstance(resource, Stack):
                    remove_stack(backend, resource, nested=True)
                else:
                    resource_map._delete_resource(resource, spec)
            except Exception as error:  # noqa: BLE001 - any failure is the resource's DELETE_FAILED
                reason = reason_of(error)
                resource_event(stack, logical_id, resource_type, resource, "DELETE_FAILED", reason)
                return reason
            resource_event(stack, logical_id, resource_type, resource, "DELETE_COMPLETE")
        with lock:
            parsed.pop(logical_id, None)
        return None

    with ThreadPoolExecutor(max_workers=DELETE_PARALLELISM, thread_name_prefix="cfn-delete") as pool:
        running: dict[Future[str | None], str] = {}

        def start(logical_id: str) -> None:
            running[pool.submit(delete_one, logical_id)] = logical_id

        for logical_id in sorted(present):
            if not waiting_for[logical_id]:
                start(logical_id)
        while running:
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in done:
                logical_id = running.pop(future)
                reason = future.result()
                if reason is not None:
                    failed[logical_id] = reason
                    continue
                for dependency in sorted(depends_on[logical_id]):
                    waiting_for[dependency].discard(logical_id)
                    if not waiting_for[dependency]:
                        start(dependency)
    return failed


def keep_only_remaining(stack: Any) -> None:
    """After a failed delete or rollback: the stack holds only what is left and shows no outputs,
    so that reading it (DescribeStackResources, DescribeStacks) never re-creates a deleted
    resource, moto's maps being lazy, and a second delete retries what is left."""
    from moto.cloudformation import parsing

    resource_map = stack.resource_map
    parsed = resource_map._parsed_resources
    resource_map._resource_json_map = {lid: spec for lid, spec in resource_map._resource_json_map.items() if is_model(parsed.get(lid))}
    stack.output_map = parsing.OutputMap(resource_map, {}, stack.stack_id)


def failed_to(verb: str, failed: dict[str, str]) -> str:
    return f"The following resource(s) failed to {verb}: [{', '.join(sorted(failed))}]. "


def remove_stack(backend: Any, stack: Any, nested: bool) -> None:
    """Deletes a stack; on success it moves to the deleted stacks and its exports go. A failed
    delete leaves it listed, DELETE_FAILED; a nested one raises so that its parent fails too."""
    export_names = [name for name, export in backend.exports.items() if export.exporting_stack_id == stack.stack_id]
    try:
        stack.delete()
    except StackOperationFailed:
        if nested:
            raise
        return
    backend.stacks.pop(stack.stack_id, None)
    backend.deleted_stacks[stack.stack_id] = stack
    for name in export_names:
        backend.exports.pop(name, None)


def apply(patches: Patches, emulator: Emulator) -> None:
    """ResourceMap.delete, Stack.delete and CloudFormationBackend.delete_stack (see the module's docstring)."""
    from moto.cloudformation import models as cfn_models, parsing

    patches.require(parsing.ResourceMap, "delete")

    def map_delete(self: Any) -> None:
        stack = find_stack(self._account_id, self._region_name, self.stack_id)
        failed = delete_resources(self, stack)
        if failed:
            raise StackOperationFailed(failed_to("delete", failed))

    patches.require(cfn_models.Stack, "delete")

    def stack_delete(self: Any) -> None:
        self.status = "DELETE_IN_PROGRESS"
        self._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
        try:
            self.resource_map.delete()
        except Exception as error:  # noqa: BLE001 - the stack's DELETE_FAILED, with the reason
            keep_only_remaining(self)
            self.status = "DELETE_FAILED"
            self._add_stack_event("DELETE_FAILED", resource_status_reason=reason_of(error))
            raise StackOperationFailed(f"Embedded stack {self.stack_id} was not successfully deleted: {reason_of(error)}") from error
        self._add_stack_event("DELETE_COMPLETE")
        self.status = "DELETE_COMPLETE"

    patches.require(cfn_models.CloudFormationBackend, "delete_stack")

    def delete_stack(self: Any, name_or_stack_id: str) -> None:
        stack = self.stacks.get(name_or_stack_id) or next((s for s in list(self.stacks.values()) if s.name == name_or_stack_id), None)
        if stack is not None:
            remove_stack(self, stack, nested=False)

    patches.replace(parsing.ResourceMap, "delete", map_delete, "cloudformation: delete in reverse dependency order, independent resources in parallel")
    patches.replace(cfn_models.Stack, "delete", stack_delete, "cloudformation: a failed resource delete ends DELETE_FAILED, the others finish")
    patches.replace(cfn_models.CloudFormationBackend, "delete_stack", delete_stack, "cloudformation: a DELETE_FAILED stack stays listed for a retry")
