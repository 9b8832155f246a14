"""Bellflower's AWS emulator: moto's server with the few replacements the real deployment needs.

    python emulator/bellflower_moto.py --port 4599 [--host 127.0.0.1]

moto 5.2.1 runs the CloudFormation, S3, SQS, SNS, Lambda, Step Functions, IAM, KMS and Logs APIs
but lacks a handful of behaviours the README's deployment flow depends on (issue 14). Each patch
below is small, named after what it replaces, and says what moto does instead. They are applied
only after checking moto's version and that every patched attribute exists, so a different moto
fails here at start-up, never halfway through a deploy.

Nothing here talks to AWS: the functions run with `node` on this machine and reach the emulator
itself through AWS_ENDPOINT_URL.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from urllib.parse import parse_qs, urlparse
from typing import Any, Callable

EXPECTED_MOTO_VERSION = "5.2.1"
HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "lambda-runner.mjs")
# How long moto's server waits for a custom resource to answer a Delete or Update event.
CUSTOM_RESOURCE_WAIT_SECONDS = 120


class EmulatorStartError(Exception):
    """The installed moto is not the one these patches were written for."""


def fail(message: str) -> None:
    sys.stderr.write(f"bellflower emulator: {message}\n")
    sys.exit(2)


class Patches:
    """Records every replacement; `require` checks an attribute exists before it is replaced."""

    def __init__(self) -> None:
        self.applied: list[str] = []

    @staticmethod
    def require(owner: Any, name: str) -> Any:
        if not hasattr(owner, name):
            raise EmulatorStartError(
                f"{getattr(owner, '__name__', owner)}.{name} does not exist in this moto: the emulator's patches need moto {EXPECTED_MOTO_VERSION}"
            )
        return getattr(owner, name)

    def replace(self, owner: Any, name: str, value: Any, label: str, *, new: bool = False) -> None:
        if new:
            if name in vars(owner):
                raise EmulatorStartError(f"{owner.__name__}.{name} already exists in this moto: patch '{label}' may be obsolete")
        else:
            self.require(owner, name)
        setattr(owner, name, value)
        self.applied.append(label)


def apply_patches(port: int, node: str, sdk_node_modules: str | None, work_dir: str, function_iam: bool = True) -> list[str]:
    import moto

    if moto.__version__ != EXPECTED_MOTO_VERSION:
        raise EmulatorStartError(
            f"moto {moto.__version__} is installed; the emulator's patches were written for moto {EXPECTED_MOTO_VERSION}: pip install 'moto[server]=={EXPECTED_MOTO_VERSION}'"
        )
    from moto import settings
    from moto.awslambda.models import LambdaFunction
    from moto.cloudformation import custom_model, models as cfn_models, parsing, responses as cfn_responses
    from moto.core.common_models import CloudFormationModel
    from moto.core.config import default_user_config
    from moto.s3.models import s3_backends
    from moto.sns.models import sns_backends
    from moto.stepfunctions import models as sfn_models
    from moto.stepfunctions.parser import models as sfn_parser_models
    from moto.sts.models import sts_backends
    from moto.utilities.utils import get_partition

    patches = Patches()
    endpoint = f"http://127.0.0.1:{port}"

    # 1. Lambda invocation. moto runs the function in a Docker container (and fails without
    # Docker). Here: the function's own zip, unpacked once per code hash, run by `node` with the
    # function's environment, handler and timeout; the event goes in on stdin, the result comes back
    # in a file, stdout+stderr become the function's CloudWatch logs. The AWS SDK is resolvable
    # from outside the task folder as the Node.js runtime provides it (our bundles carry their own).
    code_lock = threading.Lock()

    def task_dir(fn: Any) -> str:
        root = os.path.join(work_dir, fn.code_sha_256 or uuid.uuid4().hex)
        task = os.path.join(root, "task")
        with code_lock:
            if not os.path.isdir(task):
                os.makedirs(root, exist_ok=True)
                staging = tempfile.mkdtemp(dir=root)
                with zipfile.ZipFile(__import__("io").BytesIO(fn.code_bytes)) as archive:
                    archive.extractall(staging)
                os.rename(staging, task)
                if sdk_node_modules and not os.path.exists(os.path.join(root, "node_modules")):
                    os.symlink(sdk_node_modules, os.path.join(root, "node_modules"))
        return task

    def role_credentials(fn: Any) -> dict[str, str]:
        # The function's calls are signed with a session of its own execution role, as in Lambda.
        role = sts_backends[fn.account_id][get_partition(fn.region)].assume_role(
            region_name=fn.region, role_session_name=fn.function_name[:64], role_arn=fn.role,
            policy="", duration=3600, external_id="",
        )
        return {
            "AWS_ACCESS_KEY_ID": role.access_key_id,
            "AWS_SECRET_ACCESS_KEY": role.secret_access_key,
            "AWS_SESSION_TOKEN": role.session_token,
        }

    def invoke_with_node(self: Any, event: Any = None) -> tuple[str, bool, str]:
        self.logs_backend.ensure_log_group(self.logs_group_name)
        request_id = str(uuid.uuid4())
        env = {
            "PATH": os.environ.get("PATH", ""),
            "TZ": "UTC",
            "LANG": "en_US.UTF-8",
            "_HANDLER": self.handler,
            "LAMBDA_TASK_ROOT": "",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{self.run_time}",
            "AWS_LAMBDA_FUNCTION_NAME": self.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_size),
            "AWS_LAMBDA_FUNCTION_VERSION": str(self.version),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(self.timeout),
            "AWS_LAMBDA_LOG_GROUP_NAME": self.logs_group_name,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ENDPOINT_URL": endpoint,
            "BELLFLOWER_FUNCTION_ARN": self.function_arn,
            "BELLFLOWER_REQUEST_ID": request_id,
            # The function runs on this machine's node, not nodejs24.x: the SDK's notice that its
            # 2027 releases need Node 22 would fill the function's logs, where Lambda prints none.
            "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED": "true",
            **role_credentials(self),
        }
        env.update({key: str(value) for key, value in (self.environment_vars or {}).items()})
        task = task_dir(self)
        env["LAMBDA_TASK_ROOT"] = task
        result_file = os.path.join(work_dir, f"result-{request_id}.json")
        payload = event if isinstance(event, str) else json.dumps(event if event is not None else {})
        started = time.time()
        try:
            completed = subprocess.run(
                [node, RUNNER, task, self.handler, result_file],
                input=payload.encode("utf-8"), capture_output=True, env=env, cwd=task,
                timeout=int(self.timeout) + 5,
            )
            output = (completed.stdout + completed.stderr).decode("utf-8", "replace")
            errored = completed.returncode != 0
            try:
                with open(result_file, encoding="utf-8") as handle:
                    result = handle.read()
            except FileNotFoundError:
                result = json.dumps({"errorType": "Runtime.ExitError", "errorMessage": f"exit code {completed.returncode}"})
                errored = True
        except subprocess.TimeoutExpired as timeout:
            output = ((timeout.stdout or b"") + (timeout.stderr or b"")).decode("utf-8", "replace")
            result = json.dumps({"errorType": "Sandbox.Timedout", "errorMessage": f"Task timed out after {self.timeout} seconds"})
            errored = True
        finally:
            if os.path.exists(result_file):
                os.remove(result_file)
        duration = (time.time() - started) * 1000
        logs = f"START RequestId: {request_id}\n{output}END RequestId: {request_id}\nREPORT RequestId: {request_id}\tDuration: {duration:.2f} ms\n"
        self.save_logs(logs)
        return result, errored, logs

    patches.replace(LambdaFunction, "_invoke_lambda", invoke_with_node, "lambda: run the zip with node, not Docker")

    # 2. Custom-resource ResponseURL. moto builds it from a Docker host name
    # (http://host.docker.internal:<port>); the functions run here, so it is the server itself.
    patches.replace(settings, "moto_server_host", lambda: "http://127.0.0.1", "cloudformation: custom-resource ResponseURL on 127.0.0.1")

    # 3a. Short-form `!GetAtt Resource.Outputs.Name`: moto splits on every dot (three parts); CloudFormation
    # splits on the first one only.
    original_tag_constructor = patches.require(cfn_models, "yaml_tag_constructor")

    def yaml_tag_constructor(loader: Any, tag: Any, node_: Any) -> Any:
        if tag == "!GetAtt" and not isinstance(node_.value, list):
            return {"Fn::GetAtt": node_.value.split(".", 1)}
        return original_tag_constructor(loader, tag, node_)

    patches.replace(cfn_models, "yaml_tag_constructor", yaml_tag_constructor, "cloudformation: !GetAtt split on the first dot")
    patches.replace(cfn_responses, "yaml_tag_constructor", yaml_tag_constructor, "cloudformation: !GetAtt split on the first dot (responses)")

    # 3b. Fn::GetAtt of a nested stack's Outputs.<name>: moto has no attribute on AWS::CloudFormation::Stack
    # and resolves it to nothing.
    def stack_attribute(self: Any, attribute_name: str) -> Any:
        if attribute_name.startswith("Outputs."):
            output = self.output_map[attribute_name[len("Outputs."):]]
            return output.value if output is not None else None
        raise NotImplementedError(f"Fn::GetAtt {{0}}.{attribute_name} is not modelled")

    patches.replace(cfn_models.Stack, "get_cfn_attribute", stack_attribute, "cloudformation: GetAtt <nested stack>.Outputs.<name>", new=True)

    # 4. Executing a CREATE change set. moto applies the change set to the empty placeholder stack:
    # no imports, no outputs, no exports, and it never waits for custom resources. Here the stack is
    # built as create_stack builds it (imports, exports, custom resources awaited), keeping its
    # REVIEW_IN_PROGRESS events. UPDATE change sets also refresh the outputs, exports and parameters
    # moto leaves as they were.
    original_execute = patches.require(cfn_models.CloudFormationBackend, "execute_change_set")

    def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        change_set = self.describe_change_set(change_set_name)
        if change_set.change_set_type != "CREATE":
            original_execute(self, change_set_name, stack_name)
            stack = self.stacks[change_set.stack_id]
            for export in stack.exports:
                self.exports.pop(export.name, None)
            stack.parameters = change_set.parameters
            stack.output_map = stack._create_output_map()
            for export in stack.exports:
                self.exports[export.name] = export
            return
        placeholder = self.stacks[change_set.stack_id]
        stack = cfn_models.Stack(
            stack_id=placeholder.stack_id, name=placeholder.name, template=change_set.template,
            parameters=change_set.parameters, account_id=self.account_id, region_name=self.region_name,
            notification_arns=placeholder.notification_arns, tags=placeholder.tags, role_arn=placeholder.role_arn,
            cross_stack_resources=self.exports,
        )
        stack.events = placeholder.events
        stack.creation_time = placeholder.creation_time
        self.stacks[stack.stack_id] = stack
        change_set.stack = stack
        self._validate_export_uniqueness(stack)
        for export in stack.exports:
            self.exports[export.name] = export
        stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
        stack.create_resources()
        change_set.execution_status = "EXECUTE_COMPLETE"

    patches.replace(cfn_models.CloudFormationBackend, "execute_change_set", execute_change_set, "cloudformation: CREATE change sets build the stack as create_stack does")

    # 5. List-type parameter defaults. moto keeps a CommaDelimitedList default as one string (the
    # folders resource then received single letters); CloudFormation splits it.
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

    # 6. AWS::SNS::Subscription: moto has no CloudFormation model for it (the resource resolved to nothing).
    if "AWS::SNS::Subscription" in parsing.get_model_map():
        raise EmulatorStartError("moto already models AWS::SNS::Subscription: patch 'sns: subscription model' may be obsolete")
    class SnsSubscription(CloudFormationModel):
        # moto files every model under the service named by its module (moto.<service>....).
        __module__ = "moto.sns.bellflower_emulator"

        def __init__(self, arn: str, account_id: str, region_name: str) -> None:
            self.arn = arn
            self.account_id = account_id
            self.region_name = region_name

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::SNS::Subscription"

        @property
        def physical_resource_id(self) -> str:
            return self.arn

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any) -> "SnsSubscription":  # type: ignore[override]
            properties = cloudformation_json["Properties"]
            backend = sns_backends[account_id][region_name]
            subscription = backend.subscribe(properties["TopicArn"], properties["Endpoint"], properties["Protocol"])
            return cls(subscription.arn, account_id, region_name)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str, cloudformation_json: Any, account_id: str, region_name: str) -> "SnsSubscription":  # type: ignore[override]
            original_resource.delete(account_id, region_name)
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

        def delete(self, account_id: str, region_name: str) -> None:
            sns_backends[account_id][region_name].unsubscribe(self.arn)

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
    patches.applied.append("sns: AWS::SNS::Subscription CloudFormation model")

    # 6b. AWS::IAM::RolePolicy: no CloudFormation model either, so the s3 stack's grants to the
    # custom-resource roles were never attached.
    from moto.iam.models import iam_backends

    if "AWS::IAM::RolePolicy" in parsing.get_model_map():
        raise EmulatorStartError("moto already models AWS::IAM::RolePolicy: patch 'iam: role policy model' may be obsolete")

    # Shaped like SnsSubscription on purpose: moto finds models among CloudFormationModel's direct
    # subclasses only, so the two cannot share a base class.
    class IamRolePolicy(CloudFormationModel):
        __module__ = "moto.iam.bellflower_emulator"

        def __init__(self, role_name: str, policy_name: str) -> None:
            self.role_name = role_name
            self.policy_name = policy_name

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::IAM::RolePolicy"

        @property
        def physical_resource_id(self) -> str:
            return f"{self.role_name}|{self.policy_name}"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any) -> "IamRolePolicy":  # type: ignore[override]
            properties = cloudformation_json["Properties"]
            document = properties["PolicyDocument"]
            iam_backends[account_id][get_partition(region_name)].put_role_policy(
                properties["RoleName"], properties["PolicyName"], document if isinstance(document, str) else json.dumps(document)
            )
            return cls(properties["RoleName"], properties["PolicyName"])

        @classmethod
        def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str, cloudformation_json: Any, account_id: str, region_name: str) -> "IamRolePolicy":  # type: ignore[override]
            original_resource.delete(account_id, region_name)
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

        def delete(self, account_id: str, region_name: str) -> None:
            try:
                iam_backends[account_id][get_partition(region_name)].delete_role_policy(self.role_name, self.policy_name)
            except Exception:  # the role may be gone already (deleted with its stack): nothing left to detach
                pass

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
    patches.applied.append("iam: AWS::IAM::RolePolicy CloudFormation model")

    # 6c. IAM for the S3 calls of role sessions (the functions', patch 1, and any sts:AssumeRole
    # session). moto's enforcement is all or nothing for a server: its Step Functions engine signs
    # with fixed keys no IAM user holds and custom-resource answers are unsigned, so it cannot be
    # switched on for the whole flow. Here every S3 request signed with a role session is
    # authenticated and checked against the role's policies (action, bucket or object ARN), as moto
    # does under enforcement. Left unchecked: other services (moto evaluates their calls against the
    # resource "*", which refuses every statement scoped to an ARN) and DeleteObjects (moto asks for
    # s3:DeleteObject on the bucket; S3 checks s3:DeleteObjectVersion on each key). Requests with
    # long-term keys keep moto's setting (unchecked unless enforcement is switched on).
    from moto.core.authorization import ActionAuthenticatorMixin

    original_authorize = patches.require(ActionAuthenticatorMixin, "_authenticate_and_authorize_action")

    def authorize(self: Any, iam_request_cls: type, resource: str = "*") -> None:
        header = self.headers.get("Authorization") or ""
        key = header.split("Credential=", 1)[1].split("/", 1)[0] if "Credential=" in header else None
        role_session = key is not None and key.startswith("ASIA")
        delete_objects = self.method == "POST" and "delete" in parse_qs(urlparse(self.uri).query, keep_blank_values=True)
        if not function_iam or not role_session or iam_request_cls.__name__ != "S3IAMRequest" or delete_objects:
            return original_authorize(self, iam_request_cls, resource)
        parsed = urlparse(self.uri)
        iam_request = iam_request_cls(
            account_id=self.current_account, method=self.method,
            path=parsed.path + (f"?{parsed.query}" if parsed.query else ""),
            data=self.data, body=self.raw_body, headers=self.headers, action=self._get_action(),
        )
        iam_request.check_signature()
        iam_request.check_action_permitted(resource)

    patches.replace(ActionAuthenticatorMixin, "_authenticate_and_authorize_action", authorize, "iam: role sessions' S3 calls checked against the role")

    # 6d. An assumed role's inline policies created by CloudFormation (the role's Policies) are kept
    # as parsed documents, which moto's evaluation of an assumed role's policies cannot read (KeyError
    # 'policy_document'): they are handed over as JSON text.
    from moto.iam.access_control import AssumedRoleAccessKey

    original_collect = patches.require(AssumedRoleAccessKey, "collect_policies")

    def collect_policies(self: Any) -> list[Any]:
        return [
            json.dumps(policy) if isinstance(policy, dict) and "policy_document" not in policy else policy
            for policy in original_collect(self)
        ]

    patches.replace(AssumedRoleAccessKey, "collect_policies", collect_policies, "iam: assumed roles' CloudFormation inline policies readable")

    # 7. State machines. moto reads only DefinitionString and creates CloudFormation's state
    # machines in a backend that never executes them. Here DefinitionS3Location (or Definition) is
    # read and DefinitionSubstitutions applied, and every state machine lives in the executing
    # backend (moto's `execute_state_machine` configuration, also switched on here).
    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True
    state_machine = sfn_models.StateMachine
    original_sm_create = patches.require(state_machine, "create_from_cloudformation_json")
    original_sm_update = patches.require(state_machine, "update_from_cloudformation_json")

    def resolve_definition(cloudformation_json: Any, account_id: str, region_name: str) -> None:
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

    def sm_create(cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any) -> Any:
        resolve_definition(cloudformation_json, account_id, region_name)
        return original_sm_create(resource_name, cloudformation_json, account_id, region_name, **kwargs)

    def sm_update(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: Any, account_id: str, region_name: str) -> Any:
        resolve_definition(cloudformation_json, account_id, region_name)
        return original_sm_update(original_resource, new_resource_name, cloudformation_json, account_id, region_name)

    patches.replace(state_machine, "create_from_cloudformation_json", classmethod(sm_create), "stepfunctions: DefinitionS3Location and DefinitionSubstitutions")
    patches.replace(state_machine, "update_from_cloudformation_json", classmethod(sm_update), "stepfunctions: DefinitionS3Location and DefinitionSubstitutions (update)")
    patches.replace(sfn_models, "stepfunctions_backends", sfn_parser_models.stepfunctions_parser_backends, "stepfunctions: CloudFormation state machines in the executing backend")

    # 8. Every execution after the first failed with "cannot pickle '_thread.RLock'": moto deep-copies
    # the state machine for each execution, and with it its backend and running executions. The copy
    # now shares the backend and starts with no executions.
    def state_machine_deepcopy(self: Any, memo: dict[int, Any]) -> Any:
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

    patches.replace(state_machine, "__deepcopy__", state_machine_deepcopy, "stepfunctions: execution copies share the backend", new=True)

    # 9. An execution started without a name was named "None"; Step Functions generates a UUID.
    parser_backend = sfn_parser_models.StepFunctionsParserBackend
    original_start = patches.require(parser_backend, "start_execution")

    def start_execution(self: Any, state_machine_arn: str, name: Any = None, *args: Any, **kwargs: Any) -> Any:
        return original_start(self, state_machine_arn, name or str(uuid.uuid4()), *args, **kwargs)

    patches.replace(parser_backend, "start_execution", start_execution, "stepfunctions: generated execution names")

    # 10. Custom resources on Delete and Update. moto sends only Create: a stack update dropped the
    # resource (moto has no update for it) and a delete never reached the function, so the
    # integration bucket was never emptied and survived destroy. Here Update and Delete events go
    # to the function like Create, with the physical id it returned, and the server waits for the
    # answer on the ResponseURL; a FAILED answer fails the update or delete.
    custom = custom_model.CustomModel
    original_custom_create = patches.require(custom, "create_from_cloudformation_json")
    pending: dict[str, dict[str, Any]] = {}

    def custom_create(cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any) -> Any:
        resource = original_custom_create(resource_name, cloudformation_json, account_id, region_name, **kwargs)
        resource.bellflower = {
            "properties": cloudformation_json["Properties"], "stack_id": kwargs["StackId"],
            "resource_type": kwargs["ResourceType"], "account_id": account_id, "physical_id": None,
        }
        return resource

    def send_event(resource: Any, request_type: str, properties: dict[str, Any], old_properties: dict[str, Any] | None = None) -> dict[str, Any]:
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

    def custom_delete(self: Any, account_id: str, region_name: str) -> None:
        if getattr(self, "bellflower", None) is not None:
            send_event(self, "Delete", self.bellflower["properties"])

    def custom_update(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: Any, account_id: str, region_name: str) -> Any:
        properties = cloudformation_json["Properties"]
        answer = send_event(original_resource, "Update", properties, original_resource.bellflower["properties"])
        original_resource.bellflower["properties"] = properties
        original_resource.data = answer.get("Data") or {}
        return original_resource

    original_cfn_response = patches.require(cfn_responses.CloudFormationResponse, "process_cfn_response")

    def process_cfn_response(self: Any) -> Any:
        request_id = self._get_param("RequestId")
        status = self._get_param("Status")
        answer = pending.get(request_id)
        if answer is not None:
            answer.update({"Status": status, "Reason": self._get_param("Reason"), "Data": self._get_param("Data")})
            answer["done"].set()
            return 200, {"status": 200}, json.dumps("{}")
        stack = self.cloudformation_backend.get_stack(self._get_param("StackId"))
        resource = stack.custom_resources.get(self._get_param("LogicalResourceId"))
        if resource is not None and getattr(resource, "bellflower", None) is not None:
            resource.bellflower["physical_id"] = self._get_param("PhysicalResourceId")
        if status != "SUCCESS":
            # moto ignores a FAILED Create and the stack stays CREATE_IN_PROGRESS for ever.
            stack.status = "CREATE_FAILED"
            stack._add_stack_event("CREATE_FAILED", resource_status_reason=f"{self._get_param('LogicalResourceId')}: {self._get_param('Reason')}")
            return 200, {"status": 200}, json.dumps("{}")
        return original_cfn_response(self)

    # 11. A deleted stack came back to life: moto computes a stack's outputs lazily from its resource
    # map, which creates any resource it does not hold, so DescribeStacks on a DELETE_COMPLETE stack
    # re-created the functions, roles, queues and nested stacks (and buckets) its outputs name.
    # Once deleted, a stack keeps no template to create from.
    original_stack_delete = patches.require(cfn_models.Stack, "delete")

    def stack_delete(self: Any) -> None:
        original_stack_delete(self)
        self.resource_map._resource_json_map = {}
        self.output_map = parsing.OutputMap(self.resource_map, {}, self.stack_id)

    patches.replace(cfn_models.Stack, "delete", stack_delete, "cloudformation: deleted stacks re-create nothing")

    # 12. moto's CloudFormation delete of a bucket that still holds objects "succeeds" and leaves it
    # (S3 refuses with BucketNotEmpty). Raising lets the stack delete retry it after the folders
    # custom resource, deleted in the same pass in any order, has emptied it.
    from moto.s3.exceptions import BucketNotEmpty
    from moto.s3.models import FakeBucket

    def bucket_delete(cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str) -> None:
        backend = s3_backends[account_id][get_partition(region_name)]
        if backend.delete_bucket(resource_name) is None and resource_name in backend.buckets:
            raise BucketNotEmpty(resource_name)

    patches.require(FakeBucket, "delete_from_cloudformation_json")
    patches.replace(FakeBucket, "delete_from_cloudformation_json", classmethod(bucket_delete), "s3: deleting a non-empty bucket fails (BucketNotEmpty)")

    # 13. Delete order. moto deletes a stack's resources in no particular order, so a custom resource
    # could outlive the bucket it empties, or the role policy that lets it. CloudFormation deletes in
    # reverse dependency order, and a custom resource depends on what it manages: custom resources
    # now go first, then moto deletes the rest.
    original_map_delete = patches.require(parsing.ResourceMap, "delete")

    def map_delete(self: Any) -> None:
        for logical_id, resource in list(self._parsed_resources.items()):
            retained = (self._resource_json_map.get(logical_id) or {}).get("DeletionPolicy") == "Retain"
            if isinstance(resource, custom) and not retained:
                resource.delete(self._account_id, self._region_name)
                self._parsed_resources.pop(logical_id)
        original_map_delete(self)

    patches.replace(parsing.ResourceMap, "delete", map_delete, "cloudformation: custom resources deleted before what they manage")

    patches.replace(custom, "create_from_cloudformation_json", classmethod(custom_create), "cloudformation: custom resources keep their properties")
    patches.replace(custom, "delete", custom_delete, "cloudformation: custom resources receive Delete", new=True)
    patches.replace(custom, "update_from_cloudformation_json", classmethod(custom_update), "cloudformation: custom resources receive Update", new=True)
    patches.replace(cfn_responses.CloudFormationResponse, "process_cfn_response", process_cfn_response, "cloudformation: custom-resource answers to Update/Delete, physical ids, FAILED")
    return patches.applied


def create_kms_key(region: str, key_id: str, alias: str) -> None:
    """The customer managed key the emulator configuration names (config/emulator.json), with its
    alias: moto draws key ids at random, so the id is fixed for this one call."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.kms import models as kms_models

    generate_key_id = Patches.require(kms_models, "generate_key_id")
    kms_models.generate_key_id = lambda multi_region=False: key_id
    try:
        backend = kms_models.kms_backends[DEFAULT_ACCOUNT_ID][region]
        backend.create_key(
            policy=None, key_usage="ENCRYPT_DECRYPT", key_spec="SYMMETRIC_DEFAULT",
            description="Bellflower emulator key (config/emulator.json)", tags=None,
        )
    finally:
        kms_models.generate_key_id = generate_key_id
    backend.create_alias(key_id, f"alias/{alias}")


class Stopped(Exception):
    """SIGTERM: the server stops and cleans up, exit code 0."""


def stop_on_sigterm(*_: Any) -> None:
    raise Stopped


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="moto with Bellflower's patches")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--node", default=shutil.which("node") or "node", help="node binary that runs the functions")
    parser.add_argument("--sdk-node-modules", default=None, help="node_modules folder providing @aws-sdk/* as the Lambda runtime does")
    parser.add_argument("--region", default="us-east-1", help="region of the KMS key")
    parser.add_argument("--kms-key-id", default=None, help="create a KMS key with this id at start-up")
    parser.add_argument("--kms-alias", default=None, help="alias (without alias/) of that key")
    parser.add_argument("--no-function-iam", action="store_true", help="do not check the functions' calls against their roles")
    parser.add_argument("--check", action="store_true", help="apply the patches, print them and exit")
    args = parser.parse_args(argv)
    os.environ["MOTO_PORT"] = str(args.port)
    # SIGTERM (npm run emulator stopping it) ends the server like Ctrl-C: the work folder is removed.
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    interrupted = False
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    work_dir = tempfile.mkdtemp(prefix="bellflower-emulator-")
    try:
        try:
            applied = apply_patches(args.port, args.node, args.sdk_node_modules, work_dir, function_iam=not args.no_function_iam)
        except ImportError as error:
            fail(f"moto is not installed ({error}): pip install 'moto[server]=={EXPECTED_MOTO_VERSION}'")
        except EmulatorStartError as error:
            fail(str(error))
        if args.check:
            print("\n".join(applied))
            return
        if args.kms_key_id:
            create_kms_key(args.region, args.kms_key_id, args.kms_alias or "bellflower-emulator")
        from moto.server import main as moto_main

        sys.stderr.write(f"bellflower emulator: moto {EXPECTED_MOTO_VERSION} with {len(applied)} patches on http://{args.host}:{args.port}\n")
        sys.stderr.flush()
        moto_main(["-H", args.host, "-p", str(args.port)])
    except KeyboardInterrupt:
        interrupted = True
    except Stopped:
        pass
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    if interrupted:
        sys.exit(130)  # Ctrl-C, as shells report it


if __name__ == "__main__":
    main()
