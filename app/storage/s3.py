"""Any S3-compatible service (AWS, MinIO, R2, Ceph…) through boto3.

Imprint's buckets map to real buckets by ``S3_BUCKET_MAP``
(``generated-images=prod-images,dataset-images=prod-refs``); unmapped buckets
go to ``S3_BUCKET`` under a ``<bucket>/`` prefix. URLs are public (from the
``S3_PUBLIC_URL`` template) or presigned for ``S3_URL_EXPIRES`` seconds, always
with SigV4 (AWS refuses SigV2 for newer buckets; SigV4-only services refuse it).
``S3_ADDRESSING_STYLE`` is ``path`` (``endpoint/bucket/key``, the default with
``S3_ENDPOINT_URL``: MinIO, Ceph) or ``virtual`` (``bucket.endpoint/key``, the
default on AWS).
"""

from .base import Storage, StoredObject, safe_key


def parse_bucket_map(text):
    """``"a=b,c=d"`` → ``{"a": "b", "c": "d"}``; blanks ignored."""
    mapping = {}
    for item in (text or "").split(","):
        if item.strip():
            name, _, real = item.partition("=")
            mapping[name.strip()] = real.strip()
    return mapping


ADDRESSING_STYLES = ("path", "virtual")


def addressing_style(style, endpoint_url):
    """The style asked for, or the one that suits the endpoint."""
    if not style:
        return "path" if endpoint_url else "virtual"
    if style not in ADDRESSING_STYLES:
        raise ValueError(f"S3_ADDRESSING_STYLE must be one of {', '.join(ADDRESSING_STYLES)}, not {style!r}")
    return style


class S3Storage(Storage):
    name = "s3"

    def __init__(self, *, endpoint_url=None, region="us-east-1", access_key_id=None,
                 secret_access_key=None, bucket=None, bucket_map=None, public_url=None,
                 url_expires=3600, max_attempts=3, timeout=10.0, style=None, private=False):
        try:
            import boto3
            from botocore.config import Config
        except ImportError as error:  # the optional extra
            raise RuntimeError("STORAGE_BACKEND=s3 needs boto3: pip install 'imprint[s3]'") from error
        self.bucket = bucket
        self.bucket_map = dict(bucket_map or {})
        if private and public_url:
            raise RuntimeError("STORAGE_PRIVATE needs presigned URLs: unset S3_PUBLIC_URL")
        self.public_url = public_url
        self.url_expires = url_expires
        # Keys are content hashes: an object never changes, so caches may keep it (privately when private).
        self.cache_control = f"{'private' if private else 'public'}, max-age=31536000, immutable"
        config = Config(
            connect_timeout=timeout, read_timeout=timeout,
            retries={"max_attempts": max_attempts, "mode": "standard"},
            signature_version="s3v4",
            s3={"addressing_style": addressing_style(style, endpoint_url)},
        )
        self.client = boto3.client(
            "s3", endpoint_url=endpoint_url, region_name=region, aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key, config=config,
        )

    def locate(self, bucket, key):
        """(real bucket, object key) for one of Imprint's buckets."""
        key = safe_key(bucket, key)
        if bucket in self.bucket_map:
            return self.bucket_map[bucket], key
        if not self.bucket:
            raise RuntimeError(f"no S3 bucket for {bucket!r}: set S3_BUCKET or S3_BUCKET_MAP")
        return self.bucket, f"{bucket}/{key}"

    def put(self, bucket, key, data, content_type):
        real, object_key = self.locate(bucket, key)
        self.client.put_object(Bucket=real, Key=object_key, Body=data, ContentType=content_type,
                               CacheControl=self.cache_control)
        return StoredObject(self.name, bucket, key, self.url(bucket, key), f"s3://{real}/{object_key}")

    def get(self, bucket, key):
        real, object_key = self.locate(bucket, key)
        try:
            return self.client.get_object(Bucket=real, Key=object_key)["Body"].read()
        except self.client.exceptions.NoSuchKey as error:
            raise FileNotFoundError(f"{bucket}/{key}") from error

    def delete(self, bucket, key):
        real, object_key = self.locate(bucket, key)
        self.client.delete_object(Bucket=real, Key=object_key)

    def exists(self, bucket, key):
        from botocore.exceptions import ClientError

        real, object_key = self.locate(bucket, key)
        try:
            self.client.head_object(Bucket=real, Key=object_key)
            return True
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    def address(self, bucket, key):
        real, object_key = self.locate(bucket, key)
        return f"s3://{real}/{object_key}"

    @property
    def signs_urls(self):
        return not self.public_url

    def url(self, bucket, key):
        real, object_key = self.locate(bucket, key)
        if self.public_url:
            return self.public_url.format(bucket=real, key=object_key, imprint_bucket=bucket)
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": real, "Key": object_key}, ExpiresIn=self.url_expires,
        )
