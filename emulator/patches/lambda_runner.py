"""Lambda invocation without Docker.

moto runs a function in a Docker container and fails without Docker. Bellflower's functions run
here instead: the function's own zip, unpacked once per code hash, run by `node` with the
function's environment, handler and timeout (emulator/lambda-runner.mjs). The event goes in on
stdin, the result comes back in a file, stdout+stderr become the function's CloudWatch logs. The
AWS SDK is resolvable from outside the task folder as the Node.js runtime provides it (our bundles
carry their own). The function's calls are signed with a session of its own execution role, as in
Lambda, and reach the emulator through AWS_ENDPOINT_URL.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import tempfile
import threading
import time
import uuid
import zipfile
from typing import Any

from ._core import Emulator, Patches

MOTO_VERSION = "5.2.1"
RUNNER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lambda-runner.mjs")

_code_lock = threading.Lock()


def task_dir(fn: Any, emulator: Emulator) -> str:
    """The function's zip unpacked (once per code hash), with the SDK's node_modules beside it."""
    root = os.path.join(emulator.work_dir, fn.code_sha_256 or uuid.uuid4().hex)
    task = os.path.join(root, "task")
    with _code_lock:
        if not os.path.isdir(task):
            os.makedirs(root, exist_ok=True)
            staging = tempfile.mkdtemp(dir=root)
            with zipfile.ZipFile(io.BytesIO(fn.code_bytes)) as archive:
                archive.extractall(staging)
            os.rename(staging, task)
            if emulator.sdk_node_modules and not os.path.exists(os.path.join(root, "node_modules")):
                os.symlink(emulator.sdk_node_modules, os.path.join(root, "node_modules"))
    return task


def role_credentials(fn: Any) -> dict[str, str]:
    """The function's calls are signed with a session of its own execution role, as in Lambda."""
    from moto.sts.models import sts_backends
    from moto.utilities.utils import get_partition

    role = sts_backends[fn.account_id][get_partition(fn.region)].assume_role(
        region_name=fn.region, role_session_name=fn.function_name[:64], role_arn=fn.role,
        policy="", duration=3600, external_id="",
    )
    return {
        "AWS_ACCESS_KEY_ID": role.access_key_id,
        "AWS_SECRET_ACCESS_KEY": role.secret_access_key,
        "AWS_SESSION_TOKEN": role.session_token,
    }


def function_environment(fn: Any, emulator: Emulator, request_id: str) -> dict[str, str]:
    """What Lambda's Node.js runtime sets, then the function's own variables."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "TZ": "UTC",
        "LANG": "en_US.UTF-8",
        "_HANDLER": fn.handler,
        "LAMBDA_TASK_ROOT": "",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.run_time}",
        "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
        "AWS_LAMBDA_FUNCTION_VERSION": str(fn.version),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(fn.timeout),
        "AWS_LAMBDA_LOG_GROUP_NAME": fn.logs_group_name,
        "AWS_REGION": fn.region,
        "AWS_DEFAULT_REGION": fn.region,
        "AWS_ENDPOINT_URL": emulator.endpoint,
        "BELLFLOWER_FUNCTION_ARN": fn.function_arn,
        "BELLFLOWER_REQUEST_ID": request_id,
        # The function runs on this machine's node, not nodejs24.x: the SDK's notice that its
        # 2027 releases need Node 22 would fill the function's logs, where Lambda prints none.
        "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED": "true",
        **role_credentials(fn),
    }
    env.update({key: str(value) for key, value in (fn.environment_vars or {}).items()})
    return env


def invoke_with_node(fn: Any, event: Any, emulator: Emulator) -> tuple[str, bool, str]:
    """One invocation: (result, errored, logs), as moto's Docker invocation returns them."""
    fn.logs_backend.ensure_log_group(fn.logs_group_name)
    request_id = str(uuid.uuid4())
    env = function_environment(fn, emulator, request_id)
    task = task_dir(fn, emulator)
    env["LAMBDA_TASK_ROOT"] = task
    result_file = os.path.join(emulator.work_dir, f"result-{request_id}.json")
    payload = event if isinstance(event, str) else json.dumps(event if event is not None else {})
    started = time.time()
    try:
        completed = subprocess.run(
            [emulator.node, RUNNER, task, fn.handler, result_file],
            input=payload.encode("utf-8"), capture_output=True, env=env, cwd=task,
            timeout=int(fn.timeout) + 5,
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
        result = json.dumps({"errorType": "Sandbox.Timedout", "errorMessage": f"Task timed out after {fn.timeout} seconds"})
        errored = True
    finally:
        if os.path.exists(result_file):
            os.remove(result_file)
    duration = (time.time() - started) * 1000
    logs = f"START RequestId: {request_id}\n{output}END RequestId: {request_id}\nREPORT RequestId: {request_id}\tDuration: {duration:.2f} ms\n"
    fn.save_logs(logs)
    return result, errored, logs


def apply(patches: Patches, emulator: Emulator) -> None:
    """LambdaFunction._invoke_lambda runs the zip with node."""
    from moto.awslambda.models import LambdaFunction

    def invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
        return invoke_with_node(self, event, emulator)

    patches.replace(LambdaFunction, "_invoke_lambda", invoke_lambda, "lambda: run the zip with node, not Docker")
