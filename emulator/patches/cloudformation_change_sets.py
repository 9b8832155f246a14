"""Executing change sets as CloudFormation does.

`npm run deploy` creates and executes change sets. moto applies a CREATE change set to the empty
placeholder stack: no imports, no outputs, no exports, and it never waits for custom resources, so
the root stack could not import the cross stack's exports nor read its own outputs. Here the stack
is built as create_stack builds it (imports, exports, custom resources awaited), keeping its
REVIEW_IN_PROGRESS events. UPDATE change sets also refresh the outputs, exports and parameters
moto leaves as they were (an updated parameter, e.g. LambdaFunctionMemory, must show).
"""

from __future__ import annotations

from typing import Any

from ._core import Emulator, Patches

MOTO_VERSION = "5.2.1"


def refresh_updated_stack(backend: Any, change_set: Any) -> None:
    """After moto's UPDATE: the change set's parameters, and outputs and exports computed again."""
    stack = backend.stacks[change_set.stack_id]
    for export in stack.exports:
        backend.exports.pop(export.name, None)
    stack.parameters = change_set.parameters
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
    change_set.execution_status = "EXECUTE_COMPLETE"


def apply(patches: Patches, emulator: Emulator) -> None:
    """CloudFormationBackend.execute_change_set: CREATE builds the stack, UPDATE refreshes it."""
    from moto.cloudformation import models as cfn_models

    original_execute = patches.require(cfn_models.CloudFormationBackend, "execute_change_set")

    def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        change_set = self.describe_change_set(change_set_name)
        if change_set.change_set_type != "CREATE":
            original_execute(self, change_set_name, stack_name)
            refresh_updated_stack(self, change_set)
            return
        create_stack_from(self, change_set)

    patches.replace(cfn_models.CloudFormationBackend, "execute_change_set", execute_change_set, "cloudformation: CREATE change sets build the stack as create_stack does")
