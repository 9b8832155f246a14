"""IAM: the role policies CloudFormation attaches, and the functions' S3 calls checked against them.

Bellflower's s3 stack grants the custom-resource roles their bucket permissions with
AWS::IAM::RolePolicy, and the functions must be refused what their roles do not allow, as in AWS.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlparse

from ._core import Emulator, EmulatorStartError, Patches, forget_cached_models

MOTO_VERSION = "5.2.1"


def role_policy_model() -> type:
    """Defines the model; moto finds it among CloudFormationModel's subclasses from then on."""
    from moto.core.common_models import CloudFormationModel
    from moto.iam.models import iam_backends
    from moto.utilities.utils import get_partition

    # Shaped like the SNS subscription model on purpose: moto finds models among
    # CloudFormationModel's direct subclasses only, so the two cannot share a base class.
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

    return IamRolePolicy


def apply_role_policy_model(patches: Patches, emulator: Emulator) -> None:
    """AWS::IAM::RolePolicy: moto has no CloudFormation model for it, so the s3 stack's grants to
    the custom-resource roles were never attached."""
    from moto.cloudformation import parsing

    if "AWS::IAM::RolePolicy" in parsing.get_model_map():
        raise EmulatorStartError("moto already models AWS::IAM::RolePolicy: patch 'iam: role policy model' may be obsolete")
    role_policy_model()
    forget_cached_models()
    patches.applied.append("iam: AWS::IAM::RolePolicy CloudFormation model")


def apply_role_session_s3_checks(patches: Patches, emulator: Emulator) -> None:
    """IAM for the S3 calls of role sessions (the functions', see lambda_runner, and any
    sts:AssumeRole session). moto's enforcement is all or nothing for a server: its Step Functions
    engine signs with fixed keys no IAM user holds and custom-resource answers are unsigned, so it
    cannot be switched on for the whole flow. Here every S3 request signed with a role session is
    authenticated and checked against the role's policies (action, bucket or object ARN), as moto
    does under enforcement. Left unchecked: other services (moto evaluates their calls against the
    resource "*", which refuses every statement scoped to an ARN) and DeleteObjects (moto asks for
    s3:DeleteObject on the bucket; S3 checks s3:DeleteObjectVersion on each key). Requests with
    long-term keys keep moto's setting (unchecked unless enforcement is switched on)."""
    from moto.core.authorization import ActionAuthenticatorMixin

    original_authorize = patches.require(ActionAuthenticatorMixin, "_authenticate_and_authorize_action")
    function_iam = emulator.function_iam

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


def apply_assumed_role_inline_policies(patches: Patches, emulator: Emulator) -> None:
    """An assumed role's inline policies created by CloudFormation (the role's Policies) are kept
    as parsed documents, which moto's evaluation of an assumed role's policies cannot read
    (KeyError 'policy_document'), so the functions' S3 calls failed: they are handed over as JSON
    text."""
    from moto.iam.access_control import AssumedRoleAccessKey

    original_collect = patches.require(AssumedRoleAccessKey, "collect_policies")

    def collect_policies(self: Any) -> list[Any]:
        return [
            json.dumps(policy) if isinstance(policy, dict) and "policy_document" not in policy else policy
            for policy in original_collect(self)
        ]

    patches.replace(AssumedRoleAccessKey, "collect_policies", collect_policies, "iam: assumed roles' CloudFormation inline policies readable")
