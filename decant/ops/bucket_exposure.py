"""Can anyone on the internet read a bucket's backups?

Backups hold every shopper's name and address, so the bucket they sit in must not be
readable by anonymous clients. Two things can open it: an ACL grant to everyone
(AllUsers, or AuthenticatedUsers, which is any AWS account), and a bucket policy with
an Allow for the principal `*`. A policy that opens only the site prefix (a CDN
origin beside the backups) does not expose them, so a public policy is read statement
by statement against a key under `backups/`.

S3-compatible services differ: AWS and moto answer GetBucketPolicyStatus, others only
GetBucketPolicy; an answer we cannot get is reported as unknown, not as safe.
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

EVERYONE = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)
READS = ("READ", "FULL_CONTROL")
NO_POLICY = ("NoSuchBucketPolicy", "NoSuchPolicy")
GET_OBJECT = ("s3:getobject", "s3:get*", "s3:*", "*")


def public_reads(s3: Any, bucket: str, key_prefix: str) -> str | None:
    """Why objects under `key_prefix` (or the list of them) are public; None when not.

    Raises ExposureUnknown when the bucket's ACL or policy cannot be read."""
    try:
        acl = s3.get_bucket_acl(Bucket=bucket)
    except (ClientError, BotoCoreError) as exc:
        raise ExposureUnknown(f"cannot read the bucket ACL: {_reason(exc)}") from None
    for grant in acl.get("Grants", []):
        if grant.get("Grantee", {}).get("URI") in EVERYONE and grant.get("Permission") in READS:
            group = grant["Grantee"]["URI"].rsplit("/", 1)[-1]
            return f"its ACL grants {grant['Permission']} to {group}"
    policy = _policy(s3, bucket)
    if policy is None:
        return None
    probe = f"arn:aws:s3:::{bucket}/{key_prefix}decant-backup.tar"
    for statement in _statements(policy):
        if _public_read(statement, probe):
            sid = statement.get("Sid")
            return "its bucket policy lets anyone read them" + (
                f" (statement {sid})" if sid else ""
            )
    return None


class ExposureUnknown(Exception):
    """The bucket's ACL or policy could not be read (permissions, or an S3 look-alike
    that does not implement the call)."""


def _policy(s3: Any, bucket: str) -> dict[str, Any] | None:
    try:
        status = s3.get_bucket_policy_status(Bucket=bucket)
        if not status.get("PolicyStatus", {}).get("IsPublic"):
            return None
    except ClientError as exc:
        if _code(exc) in NO_POLICY:
            return None
        # not implemented here (MinIO, some hosts): read the policy itself below
    except BotoCoreError as exc:
        raise ExposureUnknown(f"cannot read the bucket policy: {_reason(exc)}") from None
    try:
        text = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    except ClientError as exc:
        if _code(exc) in NO_POLICY:
            return None
        raise ExposureUnknown(f"cannot read the bucket policy: {_reason(exc)}") from None
    except BotoCoreError as exc:
        raise ExposureUnknown(f"cannot read the bucket policy: {_reason(exc)}") from None
    try:
        return json.loads(text)
    except ValueError:
        raise ExposureUnknown("the bucket policy is not JSON") from None


def _statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    statements = policy.get("Statement") or []
    return [statements] if isinstance(statements, dict) else list(statements)


def _public_read(statement: dict[str, Any], resource: str) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    principal = statement.get("Principal")
    if isinstance(principal, dict):
        principal = principal.get("AWS")
    principals = principal if isinstance(principal, list) else [principal]
    if "*" not in principals:
        return False
    actions = statement.get("Action") or []
    actions = [actions] if isinstance(actions, str) else actions
    if not any(a.lower() in GET_OBJECT for a in actions):
        return False
    resources = statement.get("Resource") or []
    resources = [resources] if isinstance(resources, str) else resources
    return any(fnmatch.fnmatchcase(resource, pattern) for pattern in resources)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _reason(exc: Exception) -> str:
    return _code(exc) if isinstance(exc, ClientError) else type(exc).__name__
