"""Lambda invocation without Docker.

moto runs a function in a Docker container and fails without Docker. Bellflower's functions run
here instead: the function's own zip, unpacked once per code hash, run by `node` with the
function's environment, handler and timeout (emulator/lambda-runner.mjs). As in Lambda, an
execution environment (one `node lambda-runner.mjs --serve` process) is kept warm between
invocations and handles one at a time: the module loads once and its clients are reused
("Lambda execution environment lifecycle", https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html);
more run side by side when invocations overlap, and one is retired after a timeout, after an
update of the function or after ENVIRONMENT_MAX_AGE_SECONDS (its role session lasts an hour).
The event goes in on stdin, the result comes back in a file, stdout+stderr until the end mark
become the invocation's CloudWatch logs. The
AWS SDK is resolvable from outside the task folder as the Node.js runtime provides it (our bundles
carry their own). The function's calls are signed with a session of its own execution role, as in
Lambda, and reach the emulator through AWS_ENDPOINT_URL.
"""

from __future__ import annotations

import atexit
import io
import json
import os
import queue
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
END_MARK = "\u001eBELLFLOWER-END"
ENVIRONMENT_MAX_AGE_SECONDS = 600


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


class WarmEnvironment:
    """One execution environment: a `node lambda-runner.mjs --serve` process of one function configuration."""

    def __init__(self, fn: Any, emulator: Emulator, key: str) -> None:
        self.key = key
        self.created = time.time()
        env = function_environment(fn, emulator, "")
        task = task_dir(fn, emulator)
        env["LAMBDA_TASK_ROOT"] = task
        self.process = subprocess.Popen(
            [emulator.node, RUNNER, "--serve", task, fn.handler],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=task,
        )
        self.lines: "queue.Queue[str | None]" = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            self.lines.put(raw.decode("utf-8", "replace"))
        self.lines.put(None)

    def usable(self) -> bool:
        return self.process.poll() is None and time.time() - self.created < ENVIRONMENT_MAX_AGE_SECONDS

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()

    def invoke(self, payload: str, request_id: str, result_file: str, timeout: float) -> tuple[str, str]:
        """(logs, "ok" | "error" | "timeout" | "crashed"); the result is in `result_file` after ok and error."""
        assert self.process.stdin is not None
        request = json.dumps({"requestId": request_id, "resultFile": result_file, "event": json.loads(payload)})
        try:
            self.process.stdin.write((request + "\n").encode("utf-8"))
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            return "", "crashed"
        deadline = time.time() + timeout
        logs: list[str] = []
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.time()))
            except queue.Empty:
                self.stop()
                return "".join(logs), "timeout"
            if line is None:
                return "".join(logs), "crashed"
            if line.startswith(f"{END_MARK} {request_id} "):
                return "".join(logs), line.split()[-1]
            logs.append(line)


_environments: dict[str, list[WarmEnvironment]] = {}
_environments_lock = threading.Lock()


def configuration_key(fn: Any) -> str:
    """What an environment was made from: an update of any of it retires the environments made before."""
    return json.dumps([fn.function_arn, fn.code_sha_256, fn.handler, fn.timeout, fn.memory_size, fn.role, sorted((fn.environment_vars or {}).items())], default=str)


def acquire(fn: Any, emulator: Emulator) -> WarmEnvironment:
    """An idle environment of the function's current configuration, or a new one."""
    key = configuration_key(fn)
    with _environments_lock:
        for other in [k for k in _environments if k != key and json.loads(k)[0] == fn.function_arn]:
            for stale in _environments.pop(other):
                stale.stop()
        idle = _environments.setdefault(key, [])
        while idle:
            environment = idle.pop()
            if environment.usable():
                return environment
            environment.stop()
    return WarmEnvironment(fn, emulator, key)


def release(environment: WarmEnvironment) -> None:
    with _environments_lock:
        if environment.usable() and environment.key in _environments:
            _environments[environment.key].append(environment)
            return
    environment.stop()


@atexit.register
def stop_environments() -> None:
    with _environments_lock:
        for environments in _environments.values():
            for environment in environments:
                environment.stop()
        _environments.clear()


def invoke_with_node(fn: Any, event: Any, emulator: Emulator) -> tuple[str, bool, str]:
    """One invocation in a warm environment: (result, errored, logs), as moto's Docker invocation returns them."""
    fn.logs_backend.ensure_log_group(fn.logs_group_name)
    request_id = str(uuid.uuid4())
    result_file = os.path.join(emulator.work_dir, f"result-{request_id}.json")
    payload = event if isinstance(event, str) else json.dumps(event if event is not None else {})
    started = time.time()
    environment = acquire(fn, emulator)
    try:
        output, status = environment.invoke(payload, request_id, result_file, int(fn.timeout) + 5)
        errored = status != "ok"
        if status == "timeout":
            result = json.dumps({"errorType": "Sandbox.Timedout", "errorMessage": f"Task timed out after {fn.timeout} seconds"})
        elif status == "crashed":
            result = json.dumps({"errorType": "Runtime.ExitError", "errorMessage": f"exit code {environment.process.poll()}"})
        else:
            with open(result_file, encoding="utf-8") as handle:
                result = handle.read()
    finally:
        if os.path.exists(result_file):
            os.remove(result_file)
        release(environment)
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
