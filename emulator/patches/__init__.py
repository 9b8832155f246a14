"""The emulator's patches to moto, one module per AWS service (or per behaviour), applied in order.

Every module names the moto release it was written for (MOTO_VERSION) and says, in its docstrings,
which moto behaviour each patch corrects and why Bellflower's deployment needs it. `apply_patches`
refuses another moto before touching anything, then checks each module's own MOTO_VERSION, then
applies the patches in the order below; `Patches.require` checks every patched attribute exists,
so a different moto fails at start-up, never halfway through a deploy.
"""

from __future__ import annotations

from types import ModuleType
from typing import Callable

from . import (
    cloudformation,
    cloudformation_change_sets,
    cloudformation_delete,
    cloudformation_rollback,
    custom_resources,
    delivery,
    iam,
    kms,
    lambda_runner,
    s3,
    sns,
    sqs_poller,
    stepfunctions,
)
from ._core import EXPECTED_MOTO_VERSION, Emulator, EmulatorStartError, Patches, check_moto_version, check_written_for
from .kms import create_kms_key

__all__ = ["EXPECTED_MOTO_VERSION", "EmulatorStartError", "apply_patches", "create_kms_key"]

Patch = Callable[[Patches, Emulator], None]

# The order the patches are applied in, and so the order `--check` lists their names.
PATCHES: list[Patch] = [
    lambda_runner.apply,
    custom_resources.apply_response_url,
    cloudformation.apply_get_att_tag,
    cloudformation.apply_nested_stack_outputs,
    cloudformation_change_sets.apply,
    cloudformation.apply_list_parameters,
    sns.apply,
    iam.apply_role_policy_model,
    iam.apply_role_session_s3_checks,
    iam.apply_assumed_role_inline_policies,
    stepfunctions.apply_definitions,
    stepfunctions.apply_execution_copies,
    stepfunctions.apply_execution_names,
    stepfunctions.apply_closed_task_answers,
    cloudformation_delete.apply,
    cloudformation_rollback.apply,
    cloudformation.apply_deleted_stacks,
    cloudformation.apply_termination_protection,
    s3.apply,
    custom_resources.apply_events,
    sqs_poller.apply,
    delivery.apply,
]

MODULES: list[ModuleType] = [cloudformation, cloudformation_change_sets, cloudformation_delete, cloudformation_rollback, custom_resources, delivery, iam, kms, lambda_runner, s3, sns, sqs_poller, stepfunctions]


def import_moto() -> None:
    """moto's modules the patches use, imported (in this order) before any patch is applied."""
    from moto import settings  # noqa: F401
    from moto.awslambda.models import LambdaFunction  # noqa: F401
    from moto.cloudformation import custom_model, models, parsing, responses  # noqa: F401
    from moto.core.common_models import CloudFormationModel  # noqa: F401
    from moto.core.config import default_user_config  # noqa: F401
    from moto.s3.models import s3_backends  # noqa: F401
    from moto.sns.models import sns_backends  # noqa: F401
    from moto.sqs.models import Queue  # noqa: F401
    from moto.stepfunctions import models as sfn_models  # noqa: F401
    from moto.stepfunctions.parser import models as sfn_parser_models  # noqa: F401
    from moto.sts.models import sts_backends  # noqa: F401
    from moto.utilities.utils import get_partition  # noqa: F401


def apply_patches(port: int, node: str, sdk_node_modules: str | None, work_dir: str, function_iam: bool = True, duplicate_deliveries: bool = False, sqs_batch_delay_ms: int = 0) -> list[str]:
    """Applies every patch; returns their names, in order."""
    import moto

    check_moto_version(moto.__version__)
    for module in MODULES:
        check_written_for(module, moto.__version__)
    import_moto()
    emulator = Emulator(port=port, node=node, sdk_node_modules=sdk_node_modules, work_dir=work_dir, function_iam=function_iam, duplicate_deliveries=duplicate_deliveries, sqs_batch_delay_ms=sqs_batch_delay_ms)
    patches = Patches()
    for patch in PATCHES:
        patch(patches, emulator)
    return patches.applied
