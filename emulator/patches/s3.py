"""S3: deleting a bucket that still holds objects.

moto's CloudFormation delete of a bucket that still holds objects "succeeds" and leaves it (S3
refuses with BucketNotEmpty), so `npm run destroy` left Bellflower's integration bucket behind.
Raising lets the stack delete retry it after the folders custom resource, deleted in the same pass
in any order, has emptied it.
"""

from __future__ import annotations

from typing import Any

from ._core import Emulator, Patches

MOTO_VERSION = "5.2.1"


def bucket_delete(cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str) -> None:
    """FakeBucket.delete_from_cloudformation_json: BucketNotEmpty while objects remain."""
    from moto.s3.exceptions import BucketNotEmpty
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    backend = s3_backends[account_id][get_partition(region_name)]
    if backend.delete_bucket(resource_name) is None and resource_name in backend.buckets:
        raise BucketNotEmpty(resource_name)


def apply(patches: Patches, emulator: Emulator) -> None:
    from moto.s3.models import FakeBucket

    patches.require(FakeBucket, "delete_from_cloudformation_json")
    patches.replace(FakeBucket, "delete_from_cloudformation_json", classmethod(bucket_delete), "s3: deleting a non-empty bucket fails (BucketNotEmpty)")
