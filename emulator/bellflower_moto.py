"""Bellflower's AWS emulator: moto's server with the few replacements the real deployment needs.

    python emulator/bellflower_moto.py --port 4599 [--host 127.0.0.1]

moto 5.2.1 runs the CloudFormation, S3, SQS, SNS, Lambda, Step Functions, IAM, KMS and Logs APIs
but lacks a handful of behaviours the README's deployment flow depends on (issue 14). The patches
live in emulator/patches/, one module per AWS service or behaviour: each is small, named after
what it replaces, and says what moto does instead and why Bellflower needs it. They are applied
only after checking moto's version and that every patched attribute exists, so a different moto
fails here at start-up, never halfway through a deploy. This file is the launcher: arguments,
start-up, stop.

Nothing here talks to AWS: the functions run with `node` on this machine and reach the emulator
itself through AWS_ENDPOINT_URL.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from typing import Any

from patches import EXPECTED_MOTO_VERSION, EmulatorStartError, apply_patches, create_kms_key


def fail(message: str) -> None:
    sys.stderr.write(f"bellflower emulator: {message}\n")
    sys.exit(2)


class Stopped(Exception):
    """SIGTERM: the server stops and cleans up, exit code 0."""


def stop_on_sigterm(*_: Any) -> None:
    raise Stopped


def stop_when_orphaned(interval: float = 0.5) -> None:
    """The server never outlives the command that started it: when the parent process goes (killed,
    or stopped through the PID of npx or a supervisor, which do not pass signals on), the launcher
    is re-parented, and this stops it as SIGTERM would (the work folder is removed)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="moto with Bellflower's patches")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--node", default=shutil.which("node") or "node", help="node binary that runs the functions")
    parser.add_argument("--sdk-node-modules", default=None, help="node_modules folder providing @aws-sdk/* as the Lambda runtime does")
    parser.add_argument("--region", default="us-east-1", help="region of the KMS key")
    parser.add_argument("--kms-key-id", default=None, help="create a KMS key with this id at start-up")
    parser.add_argument("--kms-alias", default=None, help="alias (without alias/) of that key")
    parser.add_argument("--kms-key-policy", default=None, help="key policy (JSON) of that key; moto's default when absent")
    parser.add_argument("--no-function-iam", action="store_true", help="do not check the functions' calls against their roles")
    parser.add_argument("--duplicate-deliveries", action="store_true", help="deliver every SQS record and S3 event to its function twice (at-least-once)")
    parser.add_argument("--sqs-batch-delay-ms", type=int, default=0, help="start every SQS batch's invocation this long after the batch was received (a slow start: a batch stays in flight)")
    parser.add_argument("--check", action="store_true", help="apply the patches, print them and exit")
    args = parser.parse_args(argv)
    os.environ["MOTO_PORT"] = str(args.port)
    # SIGTERM (npm run emulator stopping it) ends the server like Ctrl-C: the work folder is removed.
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    stop_when_orphaned()
    interrupted = False
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    work_dir = tempfile.mkdtemp(prefix="bellflower-emulator-")
    try:
        try:
            applied = apply_patches(args.port, args.node, args.sdk_node_modules, work_dir, function_iam=not args.no_function_iam, duplicate_deliveries=args.duplicate_deliveries, sqs_batch_delay_ms=args.sqs_batch_delay_ms)
        except ImportError as error:
            fail(f"moto is not installed ({error}): pip install 'moto[server]=={EXPECTED_MOTO_VERSION}'")
        except EmulatorStartError as error:
            fail(str(error))
        if args.check:
            print("\n".join(applied))
            return
        if args.kms_key_id:
            create_kms_key(args.region, args.kms_key_id, args.kms_alias or "bellflower-emulator", args.kms_key_policy)
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
