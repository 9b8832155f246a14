"""Rolling back a failed create and a failed update as CloudFormation does.

moto has no rollback: a resource that fails to create raises out of CreateStack/ExecuteChangeSet
(HTTP 500) and leaves whatever the attempt had created, and an update applies its removals first
and stops half-way on a failure. CloudFormation, by default ("Choose how to handle failures when
provisioning resources", CloudFormation User Guide:
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stack-failure-options.html):
- on a failed create stops creating, deletes every resource the attempt created, in reverse
  dependency order (a custom resource receives Delete with the physical id it answered, also for
  a FAILED answer), and ends ROLLBACK_COMPLETE; a rollback whose delete fails ends ROLLBACK_FAILED
  (stack status codes: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html);
- on a failed update gives every resource changed in the attempt its previous properties back (a
  custom resource receives Update with the old properties, OldResourceProperties the new ones),
  then deletes the resources the attempt created (UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS)
  and ends UPDATE_ROLLBACK_COMPLETE, or UPDATE_ROLLBACK_FAILED ("Continue rolling back an update":
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-continueupdaterollback.html);
  resources the new template removes are deleted only once the update succeeded (its cleanup).
- a nested stack that fails rolls back itself and fails its resource in the parent ("Embedded
  stack <arn> was not successfully created: The following resource(s) failed to create: [...]"),
  which then rolls back, deleting its nested stacks.
Each resource gets its events (CREATE_IN_PROGRESS, CREATE_FAILED with the reason, "Resource
creation cancelled" for one whose dependency failed, DELETE_IN_PROGRESS/COMPLETE), as
DescribeStackEvents shows them in AWS. With DisableRollback (ExecuteChangeSet, CreateStack,
UpdateStack; or CreateStack's OnFailure DO_NOTHING) nothing is rolled back: the stack, and a nested
stack that failed, end CREATE_FAILED or UPDATE_FAILED keeping what was made ("Preserve
successfully provisioned resources", same page). Not modelled: ContinueUpdateRollback.
"""

from __future__ import annotations

import copy
import threading
from typing import Any, Callable

from ._core import Emulator, Patches
from .cloudformation_delete import (
    StackOperationFailed,
    delete_resources,
    dependencies,
    failed_to,
    find_stack,
    is_model,
    keep_only_remaining,
    reason_of,
    resource_event,
)

MOTO_VERSION = "5.2.1"

# How deep this thread is in nested stack creations (a nested stack's failure fails its parent),
# and whether the request being served disabled rollback (its nested stacks follow it).
_nesting = threading.local()


def rollback_disabled() -> bool:
    return bool(getattr(_nesting, "rollback_disabled", False))


def keep_what_was_made(stack: Any, kind: str, reason: str) -> None:
    """DisableRollback: the stack ends <kind>_FAILED with what it holds (and shows no outputs)."""
    keep_only_remaining(stack)
    stack.status = f"{kind}_FAILED"
    stack._add_stack_event(stack.status, resource_status_reason=reason)


class ResourceFailed(Exception):
    """A resource of the stack `stack_id` failed to create or update; the message is its reason."""

    def __init__(self, message: str, stack_id: str, logical_id: str) -> None:
        super().__init__(message)
        self.stack_id = stack_id
        self.logical_id = logical_id


def failed_logical_id(error: BaseException) -> str | None:
    return error.logical_id if isinstance(error, ResourceFailed) else None


def roll_back_create(stack: Any, error: BaseException) -> str:
    """Deletes what the failed create made; returns the reason the parent of a nested stack shows."""
    from moto.cloudformation import cloudformation_backends

    logical_id = failed_logical_id(error)
    reason = failed_to("create", {logical_id: ""}) if logical_id else reason_of(error)
    stack.status = "ROLLBACK_IN_PROGRESS"
    stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=f"{reason}Rollback requested by user.")
    backend = cloudformation_backends[stack.account_id][stack.region_name]
    for name in [name for name, export in backend.exports.items() if export.exporting_stack_id == stack.stack_id]:
        backend.exports.pop(name, None)
    failed = delete_resources(stack.resource_map, stack)
    keep_only_remaining(stack)
    end_rollback(stack, "ROLLBACK", failed_to("delete", failed) if failed else None)
    return reason


def end_rollback(stack: Any, kind: str, problem: str | None) -> None:
    """<kind>_COMPLETE, or <kind>_FAILED with the reason when something could not be rolled back."""
    stack.status = f"{kind}_FAILED" if problem else f"{kind}_COMPLETE"
    stack._add_stack_event(stack.status, resource_status_reason=problem)


def in_dependency_order(names: list[str], resources: dict[str, Any]) -> list[str]:
    """`names`, each after those of them it depends on."""
    graph = dependencies(resources)
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in ordered or name in visiting:
            return
        visiting.add(name)
        for dependency in sorted(graph.get(name, set()) & set(names)):
            visit(dependency)
        ordered.append(name)

    for name in names:
        visit(name)
    return ordered


def update_resource(resource_map: Any, stack: Any, logical_id: str, resource_json: dict[str, Any]) -> None:
    """One resource updated to `resource_json`, with its events; raises ResourceFailed."""
    from moto.cloudformation import parsing

    resource_type = resource_json.get("Type", "")
    current = resource_map._parsed_resources.get(logical_id)
    resource_event(stack, logical_id, resource_type, current, "UPDATE_IN_PROGRESS")
    try:
        changed = parsing.parse_and_update_resource(
            logical_id, copy.deepcopy(resource_json), resource_map, account_id=resource_map._account_id, region_name=resource_map._region_name,
        )
    except Exception as error:  # noqa: BLE001 - the resource's UPDATE_FAILED
        reason = reason_of(error)
        resource_event(stack, logical_id, resource_type, current, "UPDATE_FAILED", reason)
        raise ResourceFailed(reason, resource_map.stack_id, logical_id) from error
    if changed is not None:  # moto returns None for a type it cannot update: the resource stays
        resource_map._parsed_resources[logical_id] = changed
    resource_event(stack, logical_id, resource_type, changed or current, "UPDATE_COMPLETE")


def load_template(resource_map: Any, template: dict[str, Any], parameters: dict[str, Any] | None) -> None:
    """The map's template and parameters, as moto's ResourceMap.update sets them."""
    resource_map._template = template
    if parameters:
        resource_map.input_parameters = parameters
    resource_map.load_mapping()
    resource_map.load_parameters()
    resource_map.load_conditions()
    resource_map._resource_json_map = template["Resources"]


def map_update(self: Any, template: dict[str, Any], parameters: dict[str, Any] | None = None) -> None:
    """ResourceMap.update in CloudFormation's order: create the new resources and update the changed
    ones (each after what it depends on), roll back on a failure, and delete the removed resources
    only once everything else succeeded."""
    diff = self.build_resource_diff(template, parameters)
    stack = find_stack(self._account_id, self._region_name, self.stack_id)
    old_template, old_parameters, old_resources = self._template, self.input_parameters, self._resource_json_map
    load_template(self, template, parameters)
    touched: list[str] = []
    added = list(diff["Add"])
    try:
        for logical_id in in_dependency_order(added + list(diff["Modify"]), self._resource_json_map):
            if logical_id in diff["Modify"]:
                touched.append(logical_id)
                update_resource(self, stack, logical_id, self._resource_json_map[logical_id])
            else:
                _ = self[logical_id]  # moto's map creates a resource when it is first read
    except Exception as error:  # noqa: BLE001 - any failure rolls the update back
        new_resources = self._resource_json_map
        logical_id = failed_logical_id(error)
        reason = failed_to("update", {logical_id: ""}) if logical_id else reason_of(error)
        if rollback_disabled():
            if stack is not None:
                keep_what_was_made(stack, "UPDATE", reason)
            raise StackOperationFailed(reason) from error
        roll_back_update(self, stack, reason, (old_template, old_parameters, old_resources), touched, added, new_resources)
        raise StackOperationFailed(reason) from error
    removed = set(diff["Remove"])
    if removed:
        # The cleanup: the removed resources, deleted in reverse dependency order of the old template.
        self._resource_json_map = {**old_resources, **template["Resources"]}
        failed = delete_resources(self, stack, removed)
        self._resource_json_map = template["Resources"]
        for logical_id in removed - set(failed):
            self._parsed_resources.pop(logical_id, None)


def roll_back_update(self: Any, stack: Any, reason: str, old: tuple[Any, Any, Any], touched: list[str], added: list[str], new_resources: dict[str, Any]) -> None:
    """The previous properties of the resources the update changed, then the new resources deleted."""
    old_template, old_parameters, old_resources = old
    if stack is not None:
        stack.status = "UPDATE_ROLLBACK_IN_PROGRESS"
        stack._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
    load_template(self, old_template, old_parameters)
    problems: dict[str, str] = {}
    for logical_id in reversed(touched):
        try:
            update_resource(self, stack, logical_id, old_resources[logical_id])
        except ResourceFailed as error:
            problems[logical_id] = str(error)
    if stack is not None:
        stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
    created = {logical_id for logical_id in added if is_model(self._parsed_resources.get(logical_id))}
    self._resource_json_map = {**new_resources, **old_resources}
    problems.update(delete_resources(self, stack, created))
    self._resource_json_map = old_resources
    for logical_id in created - set(problems):
        self._parsed_resources.pop(logical_id, None)
    if stack is not None:
        end_rollback(stack, "UPDATE_ROLLBACK", failed_to("roll back", problems) if problems else None)


def apply(patches: Patches, emulator: Emulator) -> None:
    """Resource events and failures, rollback of a create and of an update (see the module's docstring)."""
    from moto.cloudformation import models as cfn_models, parsing

    original_create_resource = patches.require(parsing, "parse_and_create_resource")

    def create_resource(logical_id: str, resource_json: dict[str, Any], resources_map: Any, account_id: str, region_name: str) -> Any:
        condition = resource_json.get("Condition")
        if condition and not resources_map.lazy_condition_map[condition]:
            return original_create_resource(logical_id, resource_json, resources_map, account_id, region_name)
        stack = find_stack(account_id, region_name, resources_map.stack_id)
        resource_type = resource_json.get("Type", "")
        resource_event(stack, logical_id, resource_type, None, "CREATE_IN_PROGRESS")
        try:
            resource = original_create_resource(logical_id, resource_json, resources_map, account_id, region_name)
        except Exception as error:  # noqa: BLE001 - the resource's CREATE_FAILED
            if isinstance(error, ResourceFailed) and error.stack_id == resources_map.stack_id:
                # moto creates a dependency when a resource first reads it: that one failed.
                resource_event(stack, logical_id, resource_type, None, "CREATE_FAILED", "Resource creation cancelled")
                raise
            failed = getattr(error, "bellflower_resource", None)
            if failed is not None:  # a custom resource that answered FAILED, a nested stack rolled back
                failed.logical_resource_id = logical_id
                failed.cf_resource_type = resource_type
                resources_map._parsed_resources[logical_id] = failed
            reason = reason_of(error)
            resource_event(stack, logical_id, resource_type, failed, "CREATE_FAILED", reason)
            raise ResourceFailed(reason, resources_map.stack_id, logical_id) from error
        if resource is not None:
            resource_event(stack, logical_id, resource_type, resource, "CREATE_COMPLETE")
        return resource

    original_create_resources = patches.require(cfn_models.Stack, "create_resources")

    def create_resources(self: Any) -> None:
        try:
            original_create_resources(self)
        except Exception as error:  # noqa: BLE001 - any failure rolls the create back
            if rollback_disabled():
                logical_id = failed_logical_id(error)
                reason = failed_to("create", {logical_id: ""}) if logical_id else reason_of(error)
                keep_what_was_made(self, "CREATE", reason)
            else:
                reason = roll_back_create(self, error)
            if getattr(_nesting, "depth", 0) > 0:
                failure = StackOperationFailed(f"Embedded stack {self.stack_id} was not successfully created: {reason}")
                failure.bellflower_resource = self  # type: ignore[attr-defined]
                raise failure from error

    original_nested_create = patches.require(cfn_models.Stack, "create_from_cloudformation_json")

    def nested_create(cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any) -> Any:
        _nesting.depth = getattr(_nesting, "depth", 0) + 1
        try:
            return original_nested_create.__func__(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        finally:
            _nesting.depth -= 1

    patches.require(parsing.ResourceMap, "update")
    original_stack_update = patches.require(cfn_models.Stack, "update")

    def stack_update(self: Any, template: str, *args: Any, **kwargs: Any) -> None:
        previous = self.template
        try:
            original_stack_update(self, template, *args, **kwargs)
        except StackOperationFailed:
            self.template = previous  # rolled back: the stack keeps its template (and its status)
            self._parse_template()

    from moto.cloudformation import responses as cfn_responses

    def without_rollback(action: str, disabled: Callable[[Any], bool]) -> None:
        original = patches.require(cfn_responses.CloudFormationResponse, action)

        def serve(self: Any) -> Any:
            _nesting.rollback_disabled = disabled(self)
            try:
                return original(self)
            finally:
                _nesting.rollback_disabled = False

        patches.replace(cfn_responses.CloudFormationResponse, action, serve, f"cloudformation: {action} honours DisableRollback")

    def flag(request: Any) -> bool:
        return str(request._get_param("DisableRollback")).lower() == "true"

    without_rollback("execute_change_set", flag)
    without_rollback("update_stack", flag)
    without_rollback("create_stack", lambda request: flag(request) or request._get_param("OnFailure") == "DO_NOTHING")
    patches.replace(parsing, "parse_and_create_resource", create_resource, "cloudformation: resource events, CREATE_FAILED with the reason")
    patches.replace(cfn_models.Stack, "create_resources", create_resources, "cloudformation: a failed create rolls back (ROLLBACK_COMPLETE)")
    patches.replace(cfn_models.Stack, "create_from_cloudformation_json", classmethod(nested_create), "cloudformation: a failed nested stack fails its parent")
    patches.replace(parsing.ResourceMap, "update", map_update, "cloudformation: updates in dependency order, rolled back on failure (UPDATE_ROLLBACK_COMPLETE)")
    patches.replace(cfn_models.Stack, "update", stack_update, "cloudformation: a rolled-back UpdateStack keeps its template")
