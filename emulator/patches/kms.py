"""KMS: the customer managed key the emulator configuration names.

Bellflower's configuration for the emulator (config/emulator/) names a KMS key by id and alias;
moto draws key ids at random, so the launcher creates that key (`--kms-key-id`) with the id fixed
for this one call. The launcher passes the key policy bootstrap gives its keys (account root and
CloudWatch), which deploy's preflight checks: moto's default policy has the root statement only.
"""

from __future__ import annotations

from ._core import Patches

MOTO_VERSION = "5.2.1"


def create_kms_key(region: str, key_id: str, alias: str, policy: str | None = None) -> None:
    """Creates the key with this id and policy (moto's default when None) in the default account, and its alias (without alias/)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.kms import models as kms_models

    generate_key_id = Patches.require(kms_models, "generate_key_id")
    kms_models.generate_key_id = lambda multi_region=False: key_id
    try:
        backend = kms_models.kms_backends[DEFAULT_ACCOUNT_ID][region]
        backend.create_key(
            policy=policy, key_usage="ENCRYPT_DECRYPT", key_spec="SYMMETRIC_DEFAULT",
            description="Bellflower emulator key (config/emulator.json)", tags=None,
        )
    finally:
        kms_models.generate_key_id = generate_key_id
    backend.create_alias(key_id, f"alias/{alias}")
