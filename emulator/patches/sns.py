"""AWS::SNS::Subscription in CloudFormation.

moto has no CloudFormation model for it (the resource resolved to nothing), so the e-mail
subscription of Bellflower's notification topic (sns stack) was never created. The model below
subscribes on create, unsubscribes on delete and replaces on update.
"""

from __future__ import annotations

from typing import Any

from ._core import Emulator, EmulatorStartError, Patches, forget_cached_models

MOTO_VERSION = "5.2.1"


def subscription_model() -> type:
    """Defines the model; moto finds it among CloudFormationModel's subclasses from then on."""
    from moto.core.common_models import CloudFormationModel
    from moto.sns.models import sns_backends

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

    return SnsSubscription


def apply(patches: Patches, emulator: Emulator) -> None:
    """Adds the model, refusing a moto that has one of its own."""
    from moto.cloudformation import parsing

    if "AWS::SNS::Subscription" in parsing.get_model_map():
        raise EmulatorStartError("moto already models AWS::SNS::Subscription: patch 'sns: subscription model' may be obsolete")
    subscription_model()
    forget_cached_models()
    patches.applied.append("sns: AWS::SNS::Subscription CloudFormation model")
