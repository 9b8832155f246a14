"""Executing change sets as CloudFormation does.

`npm run deploy` creates and executes change sets. moto applies a CREATE change set to the empty
placeholder stack: no imports, no outputs, no exports, and it never waits for custom resources, so
the root stack could not import the cross stack's exports nor read its own outputs. Here the stack
is built as create_stack builds it (imports, exports, custom resources awaited), keeping its
REVIEW_IN_PROGRESS events. UPDATE change sets also refresh the outputs, exports and parameters
moto leaves as they were (an updated parameter, e.g. LambdaFunctionMemory, must show).

A CommaDelimitedList parameter keeps its text, as CloudFormation shows and reuses it: moto shows
the list it resolved (`['inbound', 'outbound']`) in DescribeStacks and sends that list on for
UsePreviousValue, where its resolver then fails (HTTP 500). AWS returns the value as given,
"inbound,outbound" (CloudFormation API reference, Parameter.ParameterValue: "The input value
associated with the parameter"; CommaDelimitedList: "an array of literal strings that are
separated by commas"), and UsePreviousValue reuses that value. A parameter an update leaves out
takes the template's default, as in CloudFormation (API reference, UpdateStack/CreateChangeSet
Parameters: a parameter neither given nor marked UsePreviousValue takes its default); moto kept
the old value, so `deploy --reset-parameter` changed nothing there.

An update whose parameters take the values the stack already has is no change: moto compares the
parameters as sent with those sent at creation, so a parameter kept with UsePreviousValue, or one
now sent at its default, makes an empty change set look like a change (whose execution then fails
in moto's nested-stack update). CloudFormation compares the values in effect (CreateChangeSet:
"The submitted information didn't contain changes" when template and values are unchanged).

An UPDATE change set's Tags become the stack's tags: moto kept the tags of the creation, so a tag
added or removed by a later deploy never showed. CloudFormation replaces them (API reference,
CreateChangeSet Tags: "Key-value pairs to associate with this stack"; UpdateStack Tags: "If you
don't specify this parameter, CloudFormation doesn't modify the stack's tags"); moto cannot tell
an absent Tags from an empty one, so an empty list leaves them as they are.
"""

from __future__ import annotations

from typing import Any

from ._core import Emulator, Patches
from .cloudformation_delete import StackOperationFailed

MOTO_VERSION = "5.2.1"


def refresh_updated_stack(backend: Any, change_set: Any) -> None:
    """After moto's UPDATE: the change set's parameters, and outputs and exports computed again."""
    stack = backend.stacks[change_set.stack_id]
    for export in stack.exports:
        backend.exports.pop(export.name, None)
    stack.parameters = change_set.parameters
    if change_set.tags:
        stack.tags = change_set.tags
    stack.output_map = stack._create_output_map()
    for export in stack.exports:
        backend.exports[export.name] = export


def create_stack_from(backend: Any, change_set: Any) -> None:
    """A CREATE change set: the stack built in place of the placeholder, as create_stack does."""
    from moto.cloudformation import models as cfn_models

    placeholder = backend.stacks[change_set.stack_id]
    stack = cfn_models.Stack(
        stack_id=placeholder.stack_id, name=placeholder.name, template=change_set.template,
        parameters=change_set.parameters, account_id=backend.account_id, region_name=backend.region_name,
        notification_arns=placeholder.notification_arns, tags=placeholder.tags, role_arn=placeholder.role_arn,
        cross_stack_resources=backend.exports,
    )
    stack.events = placeholder.events
    stack.creation_time = placeholder.creation_time
    backend.stacks[stack.stack_id] = stack
    change_set.stack = stack
    backend._validate_export_uniqueness(stack)
    for export in stack.exports:
        backend.exports[export.name] = export
    stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
    stack.create_resources()
    # A create that failed has rolled back (cloudformation_rollback.py): the execution failed.
    change_set.execution_status = "EXECUTE_COMPLETE" if stack.status == "CREATE_COMPLETE" else "EXECUTE_FAILED"


def as_given(value: Any) -> Any:
    """A resolved CommaDelimitedList value back to the text CloudFormation keeps."""
    return ",".join(str(item) for item in value) if isinstance(value, list) else value


def template_defaults(template: str) -> dict[str, str]:
    """The declared defaults of a template body, parsed as moto parses templates (! tags included)."""
    from moto.cloudformation import models as cfn_models

    body = cfn_models.Stack.parse_template(template) if template else {}
    declared = (body or {}).get("Parameters") or {}
    return {key: str(as_given(spec["Default"])) for key, spec in declared.items() if isinstance(spec, dict) and "Default" in spec}


def apply(patches: Patches, emulator: Emulator) -> None:
    """CloudFormationBackend.execute_change_set: CREATE builds the stack, UPDATE refreshes it."""
    from moto.cloudformation import models as cfn_models

    original_parameter_list = patches.require(cfn_models.Stack, "parameter_list")

    def parameter_list(self: Any) -> list[dict[str, Any]]:
        return [{**entry, "ParameterValue": as_given(entry["ParameterValue"])} for entry in original_parameter_list.fget(self)]

    patches.replace(cfn_models.Stack, "parameter_list", property(parameter_list), "cloudformation: list parameters described as given (a,b)")

    def has_parameters(self: Any, other: dict[str, Any]) -> bool:
        declared = (self.template_dict or {}).get("Parameters") or {}
        defaults = {key: spec["Default"] for key, spec in declared.items() if isinstance(spec, dict) and "Default" in spec}

        def in_effect(parameters: dict[str, Any]) -> dict[str, str]:
            return {key: str(as_given(value)) for key, value in {**defaults, **parameters}.items()}

        return in_effect(self.parameters) == in_effect(other)

    patches.replace(cfn_models.Stack, "has_parameters", has_parameters, "cloudformation: an update is compared on the parameter values in effect")

    original_create = patches.require(cfn_models.CloudFormationBackend, "create_change_set")

    def create_change_set(self: Any, stack_name: str, change_set_name: str, template: str, parameters: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        given = {key: as_given(value) for key, value in parameters.items()}
        # A parameter an update leaves out takes the template's default in CloudFormation; moto
        # keeps the old value (it diffs only the parameters sent), so a reset would change nothing.
        return original_create(self, stack_name, change_set_name, template, {**template_defaults(template), **given}, *args, **kwargs)

    patches.replace(cfn_models.CloudFormationBackend, "create_change_set", create_change_set, "cloudformation: UsePreviousValue reuses a list parameter as given")

    original_execute = patches.require(cfn_models.CloudFormationBackend, "execute_change_set")

    def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        change_set = self.describe_change_set(change_set_name)
        if change_set.change_set_type != "CREATE":
            try:
                original_execute(self, change_set_name, stack_name)
            except StackOperationFailed:
                # Rolled back (cloudformation_rollback.py): the stack shows UPDATE_ROLLBACK_*, its
                # template, parameters and outputs stay those of before.
                change_set.execution_status = "EXECUTE_FAILED"
                return
            refresh_updated_stack(self, change_set)
            return
        create_stack_from(self, change_set)

    patches.replace(cfn_models.CloudFormationBackend, "execute_change_set", execute_change_set, "cloudformation: CREATE change sets build the stack as create_stack does")
