"""CloudFormation templates and stacks: what moto reads or keeps differently from CloudFormation.

Bellflower's root stack reads its nested stacks' outputs (`!GetAtt Stack.Outputs.Name`), passes
list parameters with defaults, and is destroyed and then described (`npm run destroy` waits for
DELETE_COMPLETE): each patch below makes moto do what CloudFormation does there.
"""

from __future__ import annotations

from typing import Any

from ._core import Emulator, Patches

MOTO_VERSION = "5.2.1"


def apply_get_att_tag(patches: Patches, emulator: Emulator) -> None:
    """Short-form `!GetAtt Resource.Outputs.Name`: moto splits on every dot (three parts);
    CloudFormation splits on the first one only, which the nested stacks' outputs need."""
    from moto.cloudformation import models as cfn_models, responses as cfn_responses

    original_tag_constructor = patches.require(cfn_models, "yaml_tag_constructor")

    def yaml_tag_constructor(loader: Any, tag: Any, node_: Any) -> Any:
        if tag == "!GetAtt" and not isinstance(node_.value, list):
            return {"Fn::GetAtt": node_.value.split(".", 1)}
        return original_tag_constructor(loader, tag, node_)

    patches.replace(cfn_models, "yaml_tag_constructor", yaml_tag_constructor, "cloudformation: !GetAtt split on the first dot")
    patches.replace(cfn_responses, "yaml_tag_constructor", yaml_tag_constructor, "cloudformation: !GetAtt split on the first dot (responses)")


def stack_attribute(self: Any, attribute_name: str) -> Any:
    """Stack.get_cfn_attribute: a nested stack's Outputs.<name>."""
    if attribute_name.startswith("Outputs."):
        output = self.output_map[attribute_name[len("Outputs."):]]
        return output.value if output is not None else None
    raise NotImplementedError(f"Fn::GetAtt {{0}}.{attribute_name} is not modelled")


def apply_nested_stack_outputs(patches: Patches, emulator: Emulator) -> None:
    """Fn::GetAtt of a nested stack's Outputs.<name>: moto has no attribute on
    AWS::CloudFormation::Stack and resolves it to nothing, so the root stack lost its nested
    stacks' outputs."""
    from moto.cloudformation import models as cfn_models

    patches.replace(cfn_models.Stack, "get_cfn_attribute", stack_attribute, "cloudformation: GetAtt <nested stack>.Outputs.<name>", new=True)


def apply_list_parameters(patches: Patches, emulator: Emulator) -> None:
    """List-type parameter defaults. moto keeps a CommaDelimitedList default as one string (the
    folders resource then received single letters); CloudFormation splits it."""
    from moto.cloudformation import parsing

    original_load_parameters = patches.require(parsing.ResourceMap, "load_parameters")

    def load_parameters(self: Any) -> None:
        original_load_parameters(self)
        for name, slot in (self._template.get("Parameters") or {}).items():
            kind = slot.get("Type", "String")
            value = self.resolved_parameters.get(name)
            if (kind == "CommaDelimitedList" or kind.startswith("List<")) and isinstance(value, str):
                self.resolved_parameters[name] = value.split(",")
                self._parsed_resources[name] = self.resolved_parameters[name]

    patches.replace(parsing.ResourceMap, "load_parameters", load_parameters, "cloudformation: list parameter defaults split on commas")


def apply_deleted_stacks(patches: Patches, emulator: Emulator) -> None:
    """A deleted stack came back to life: moto computes a stack's outputs lazily from its
    resource map, which creates any resource it does not hold, so DescribeStacks on a
    DELETE_COMPLETE stack re-created the functions, roles, queues and nested stacks (and buckets)
    its outputs name, and destroy left them behind. Once deleted, a stack keeps no template to
    create from."""
    from moto.cloudformation import models as cfn_models, parsing

    original_stack_delete = patches.require(cfn_models.Stack, "delete")

    def stack_delete(self: Any) -> None:
        original_stack_delete(self)
        self.resource_map._resource_json_map = {}
        self.output_map = parsing.OutputMap(self.resource_map, {}, self.stack_id)

    patches.replace(cfn_models.Stack, "delete", stack_delete, "cloudformation: deleted stacks re-create nothing")


def apply_termination_protection(patches: Patches, emulator: Emulator) -> None:
    """UpdateTerminationProtection, which deploy sends for a production environment: moto 5.2.1 has
    no such action (the SDK got an HTML error page, so a production deploy failed after its stacks
    were up), and it deletes a protected stack. CloudFormation sets the flag DescribeStacks shows
    (API reference, UpdateTerminationProtection) and refuses DeleteStack while it is on
    (User Guide, "Protect CloudFormation stacks from being deleted": "the delete operation fails").
    """
    from moto.cloudformation import models as cfn_models, responses as cfn_responses
    from moto.core.responses import ActionResult

    def update_termination_protection(self: Any) -> Any:
        name = self._get_param("StackName")
        stack = self.cloudformation_backend.get_stack(name)
        stack.enable_termination_protection = str(self._get_param("EnableTerminationProtection")).lower() == "true"
        return ActionResult({"StackId": stack.stack_id})

    patches.replace(cfn_responses.CloudFormationResponse, "update_termination_protection", update_termination_protection, "cloudformation: UpdateTerminationProtection", new=True)

    original_delete_stack = patches.require(cfn_models.CloudFormationBackend, "delete_stack")

    def delete_stack(self: Any, name_or_stack_id: str) -> None:
        for stack in self.stacks.values():
            if name_or_stack_id in (stack.stack_id, stack.name) and getattr(stack, "enable_termination_protection", False):
                raise cfn_models.ValidationError(
                    name_or_stack_id, message=f"Stack [{stack.name}] cannot be deleted while TerminationProtection is enabled"
                )
        original_delete_stack(self, name_or_stack_id)

    patches.replace(cfn_models.CloudFormationBackend, "delete_stack", delete_stack, "cloudformation: a protected stack is not deleted")
