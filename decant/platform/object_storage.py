"""The S3-compatible client, made one way for backups, publishing and images."""

from __future__ import annotations

import os
from typing import Any

from decant.platform.config import Settings


def client(settings: Settings) -> Any:
    """boto3 S3 client for the configured endpoint (AWS, Hetzner, R2, MinIO...).

    The region comes from AWS_DEFAULT_REGION / AWS_REGION when set; most S3-compatible
    services ignore it, and boto3 needs one to sign requests."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        aws_access_key_id=settings.aws_access_key_id,
        aws_secret_access_key=settings.aws_secret_access_key,
        region_name=os.environ.get("AWS_DEFAULT_REGION")
        or os.environ.get("AWS_REGION")
        or "us-east-1",
    )
