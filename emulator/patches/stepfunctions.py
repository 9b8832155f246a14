"""Step Functions: Bellflower's state machine, deployed by CloudFormation, actually executed.

Bellflower's workflow is a state machine whose definition the deployment uploads to S3
(DefinitionS3Location with DefinitionSubstitutions); `npm run start-execution` runs it many times.
"""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

from ._core import Emulator, Patches

MOTO_VERSION = "5.2.1"


def resolve_definition(cloudformation_json: Any, account_id: str, region_name: str) -> None:
    """DefinitionS3Location (or Definition) read into DefinitionString, substitutions applied."""
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    properties = cloudformation_json.setdefault("Properties", {})
    location = properties.pop("DefinitionS3Location", None)
    if location is not None:
        backend = s3_backends[account_id][get_partition(region_name)]
        key = backend.get_object(location["Bucket"], location["Key"], version_id=location.get("Version"))
        properties["DefinitionString"] = key.value.decode("utf-8")
    elif "Definition" in properties:
        properties["DefinitionString"] = json.dumps(properties.pop("Definition"))
    for name, value in (properties.pop("DefinitionSubstitutions", None) or {}).items():
        properties["DefinitionString"] = properties["DefinitionString"].replace("${" + name + "}", str(value))


def apply_definitions(patches: Patches, emulator: Emulator) -> None:
    """State machines. moto reads only DefinitionString and creates CloudFormation's state
    machines in a backend that never executes them. Here DefinitionS3Location (or Definition) is
    read and DefinitionSubstitutions applied, and every state machine lives in the executing
    backend (moto's `execute_state_machine` configuration, also switched on here)."""
    from moto.core.config import default_user_config
    from moto.stepfunctions import models as sfn_models
    from moto.stepfunctions.parser import models as sfn_parser_models

    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True
    state_machine = sfn_models.StateMachine
    original_sm_create = patches.require(state_machine, "create_from_cloudformation_json")
    original_sm_update = patches.require(state_machine, "update_from_cloudformation_json")

    def sm_create(cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any) -> Any:
        resolve_definition(cloudformation_json, account_id, region_name)
        return original_sm_create(resource_name, cloudformation_json, account_id, region_name, **kwargs)

    def sm_update(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: Any, account_id: str, region_name: str) -> Any:
        resolve_definition(cloudformation_json, account_id, region_name)
        return original_sm_update(original_resource, new_resource_name, cloudformation_json, account_id, region_name)

    patches.replace(state_machine, "create_from_cloudformation_json", classmethod(sm_create), "stepfunctions: DefinitionS3Location and DefinitionSubstitutions")
    patches.replace(state_machine, "update_from_cloudformation_json", classmethod(sm_update), "stepfunctions: DefinitionS3Location and DefinitionSubstitutions (update)")
    patches.replace(sfn_models, "stepfunctions_backends", sfn_parser_models.stepfunctions_parser_backends, "stepfunctions: CloudFormation state machines in the executing backend")


def state_machine_deepcopy(self: Any, memo: dict[int, Any]) -> Any:
    """StateMachine.__deepcopy__: the copy shares the backend and starts with no executions."""
    clone = self.__class__.__new__(self.__class__)
    memo[id(self)] = clone
    for key, value in self.__dict__.items():
        if key == "backend":
            setattr(clone, key, value)
        elif key == "executions":
            setattr(clone, key, [])
        else:
            setattr(clone, key, copy.deepcopy(value, memo))
    return clone


def apply_execution_copies(patches: Patches, emulator: Emulator) -> None:
    """Every execution after the first failed with "cannot pickle '_thread.RLock'": moto
    deep-copies the state machine for each execution, and with it its backend and running
    executions. The copy now shares the backend and starts with no executions."""
    from moto.stepfunctions import models as sfn_models

    patches.replace(sfn_models.StateMachine, "__deepcopy__", state_machine_deepcopy, "stepfunctions: execution copies share the backend", new=True)


def apply_execution_names(patches: Patches, emulator: Emulator) -> None:
    """An execution started without a name was named "None"; Step Functions generates a UUID."""
    from moto.stepfunctions.parser import models as sfn_parser_models

    parser_backend = sfn_parser_models.StepFunctionsParserBackend
    original_start = patches.require(parser_backend, "start_execution")

    def start_execution(self: Any, state_machine_arn: str, name: Any = None, *args: Any, **kwargs: Any) -> Any:
        return original_start(self, state_machine_arn, name or str(uuid.uuid4()), *args, **kwargs)

    patches.replace(parser_backend, "start_execution", start_execution, "stepfunctions: generated execution names")


def apply_closed_task_answers(patches: Patches, emulator: Emulator) -> None:
    """SendTaskFailure for a task already closed "succeeded" and changed nothing: moto looks the
    token up in every execution, finished ones included (its SendTaskSuccess looks only in running
    ones). Step Functions refuses it: "TaskTimedOut: the task token has either expired or the task
    associated with the token has already been closed"
    (https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskFailure.html), which
    a duplicate delivery of a failure answer meets. Here the lookup is in running executions only,
    and a token none of them waits on is refused as SendTaskSuccess refuses it (InvalidToken)."""
    from moto.stepfunctions.parser import models as sfn_parser_models
    from moto.stepfunctions.parser.api import ExecutionStatus, InvalidToken, SendTaskFailureOutput, TaskDoesNotExist, TaskTimedOut
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackConsumerTimeout, CallbackNotifyConsumerError, CallbackOutcomeFailure

    parser_backend = sfn_parser_models.StepFunctionsParserBackend
    patches.require(parser_backend, "send_task_failure")

    def send_task_failure(self: Any, task_token: Any, error: Any = None, cause: Any = None) -> Any:
        # moto's own body, but over the running executions only (as its send_task_success).
        outcome = CallbackOutcomeFailure(callback_id=task_token, error=error, cause=cause)
        for execution in self._get_executions(ExecutionStatus.RUNNING):
            try:
                if execution.exec_worker.env.callback_pool_manager.notify(callback_id=task_token, outcome=outcome):
                    return SendTaskFailureOutput()
            except CallbackNotifyConsumerError as consumer_error:
                if isinstance(consumer_error, CallbackConsumerTimeout):
                    raise TaskTimedOut()
                raise TaskDoesNotExist()
        raise InvalidToken()

    patches.replace(parser_backend, "send_task_failure", send_task_failure, "stepfunctions: SendTaskFailure refuses a closed task")
