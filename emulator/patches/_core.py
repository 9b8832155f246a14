"""What every patch module shares: the moto version they were written for, the settings of this
emulator, and `Patches`, which checks an attribute exists before replacing it and records the
name of every replacement (the list `bellflower_moto.py --check` prints)."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

EXPECTED_MOTO_VERSION = "5.2.1"


class EmulatorStartError(Exception):
    """The installed moto is not the one these patches were written for."""


@dataclass(frozen=True)
class Emulator:
    """The launcher's settings the patches read."""

    port: int
    node: str
    sdk_node_modules: str | None
    work_dir: str
    function_iam: bool = True
    duplicate_deliveries: bool = False
    sqs_batch_delay_ms: int = 0

    @property
    def endpoint(self) -> str:
        """This server, as the functions and custom resources reach it."""
        return f"http://127.0.0.1:{self.port}"


def check_moto_version(installed: str) -> None:
    """The one line the launcher prints (exit 2) when moto is not the expected version."""
    if installed != EXPECTED_MOTO_VERSION:
        raise EmulatorStartError(
            f"moto {installed} is installed; the emulator's patches were written for moto {EXPECTED_MOTO_VERSION}: pip install 'moto[server]=={EXPECTED_MOTO_VERSION}'"
        )


def check_written_for(module: ModuleType, installed: str) -> None:
    """Each patch module's own guard: its MOTO_VERSION names the moto it was checked against, so
    moving EXPECTED_MOTO_VERSION to another release refuses to start until every module has been
    reviewed for that release."""
    written_for = getattr(module, "MOTO_VERSION", None)
    if written_for != installed:
        raise EmulatorStartError(f"{module.__name__} was written for moto {written_for}, not moto {installed}: review it before using this moto")


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


def forget_cached_models() -> None:
    """moto caches its CloudFormation models (the direct subclasses of CloudFormationModel); a
    model defined here is found only once those caches are cleared."""
    from moto.cloudformation import parsing

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
