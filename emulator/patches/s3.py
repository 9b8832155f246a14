"""S3: deleting a bucket that still holds objects, and keys longer than S3 allows.

moto's CloudFormation delete of a bucket that still holds objects "succeeds" and leaves it (S3
refuses with BucketNotEmpty), so `npm run destroy` left Bellflower's integration bucket behind.
Raising fails the bucket's delete as in AWS (the stack ends DELETE_FAILED, see
cloudformation_delete.py), unless the folders custom resource, deleted before the bucket, emptied it.

moto stores a key of any length; S3 refuses one whose UTF-8 encoding is over 1,024 bytes ("The
object key name is a sequence of Unicode characters with UTF-8 encoding of up to 1,024 bytes
long", Naming Amazon S3 objects, S3 User Guide:
https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html) with KeyTooLongError
("Your key is too long", Error responses, S3 API Reference:
https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html). A folder name that long
(`S3DataBucketFolder`) fails the folders custom resource's Create in AWS: the emulator must too.
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


MAX_KEY_BYTES = 1024


def apply(patches: Patches, emulator: Emulator) -> None:
    from moto.s3.exceptions import S3ClientError
    from moto.s3.models import FakeBucket, S3Backend

    original_put_object = patches.require(S3Backend, "put_object")

    def put_object(self: Any, bucket_name: str, key_name: str, *args: Any, **kwargs: Any) -> Any:
        if len(key_name.encode("utf-8")) > MAX_KEY_BYTES:
            raise S3ClientError("KeyTooLongError", "Your key is too long")
        return original_put_object(self, bucket_name, key_name, *args, **kwargs)

    patches.replace(S3Backend, "put_object", put_object, "s3: keys over 1024 bytes refused (KeyTooLongError)")

    patches.require(FakeBucket, "delete_from_cloudformation_json")
    patches.replace(FakeBucket, "delete_from_cloudformation_json", classmethod(bucket_delete), "s3: deleting a non-empty bucket fails (BucketNotEmpty)")
