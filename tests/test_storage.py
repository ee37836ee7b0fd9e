"""Signed summaries through Django's storage API into an S3-compatible bucket (django-storages),
against moto's S3 server on 127.0.0.1: what several web nodes and workers share in production."""

import datetime
import socket

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from interviews.records import record_save, record_sign
from tests.conftest import PASSWORD
from tests.factories import CycleFactory, InterviewFactory


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def bucket(monkeypatch):
    import boto3
    from moto.server import ThreadedMotoServer

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="eu-north-1")
    s3.create_bucket(Bucket="summaries", CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})
    storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "summaries",
            "endpoint_url": endpoint,
            "region_name": "eu-north-1",
            "default_acl": None,
            "file_overwrite": False,
        },
    }
    with override_settings(STORAGES={**settings.STORAGES, "default": storage}):
        yield s3
    server.stop()


def test_a_signed_summary_lives_in_the_bucket_and_downloads_from_it(client, org, bucket):
    interview = InterviewFactory(
        cycle=CycleFactory(units=[org.root]),
        employee=org.employee,
        partner=org.manager,
        state="held",
        starts_at=timezone.now() - datetime.timedelta(hours=2),
        duration_minutes=60,
    )
    record_save(
        interview=interview, by=org.manager, values={"conclusions": "A good year."}, expected_version=0
    )
    record_sign(interview=interview, by=org.manager, password=PASSWORD)
    record = record_sign(interview=interview, by=org.employee, password=PASSWORD)

    [stored] = bucket.list_objects_v2(Bucket="summaries")["Contents"]
    assert stored["Key"] == record.pdf.name and stored["Key"].startswith("records/")
    in_bucket = bucket.get_object(Bucket="summaries", Key=stored["Key"])["Body"].read()
    assert in_bucket.startswith(b"%PDF")
    assert not (settings.MEDIA_ROOT / record.pdf.name).exists()  # nothing on this node's disk

    client.force_login(org.employee)
    response = client.get(reverse("interviews:record_pdf", args=[interview.pk, record.number]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == in_bucket
    # The object is private: without the app's access check, the bucket answers 403.
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{bucket.meta.endpoint_url}/summaries/{stored['Key']}", timeout=10)
    assert refused.value.code == 403
