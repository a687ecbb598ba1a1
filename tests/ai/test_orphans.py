"""Nothing orphaned: the sweep removes stored files no row references (past a grace period) and stale
temporaries, never a referenced file; a failed local write leaves no temporary; S3 lost during the
reference check is a failed row and a 5xx, not a 500."""

import os
import time
import uuid

import pytest
import requests
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import GeneratedImage
from app.storage import get_storage
from app.storage.local import LocalStorage
from tests.ai.servers import png_bytes
from tests.support import empty_tables

OLD = time.time() - 3 * 3600


def _clean(app):
    app.extensions["tracking"].chain.flush(None)  # the test's logs land now, not in the next test's tables
    empty_tables(app)


@pytest.fixture
def moto_s3():
    """A moto S3 server of this test: (settings, boto3 client, server), bucket "imprint" made."""
    pytest.importorskip("boto3")
    import boto3
    from moto.server import ThreadedMotoServer

    from tests.support import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    settings = {"STORAGE_BACKEND": "s3", "S3_BUCKET": "imprint", "S3_ENDPOINT_URL": url, "S3_ACCESS_KEY_ID": "test",
                "S3_SECRET_ACCESS_KEY": "test", "S3_REGION": "us-east-1", "S3_MAX_ATTEMPTS": 1, "S3_TIMEOUT": 2}
    client = boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="test",
                          aws_secret_access_key="test")
    # moto keeps its buckets in the process, not the server: start from none, whatever an earlier test left
    requests.post(f"{url}/moto-api/reset", timeout=5)
    client.create_bucket(Bucket="imprint")
    state = {"running": True}

    def stop():
        if state["running"]:
            state["running"] = False
            server.stop()

    yield settings, client, stop
    stop()


def _age(path):
    os.utime(path, (OLD, OLD))


def test_the_sweep_removes_old_unreferenced_files_and_temporaries_and_keeps_the_rest(make_app, tmp_path):
    app = make_app()
    client = app.test_client()
    made = client.post("/ai/generate", json={"prompt": "kept"}).get_json()
    with app.app_context():
        record = db.session.get(GeneratedImage, uuid.UUID(made["id"]))
        storage = get_storage()
        kept_path = storage.local_path("generated-images", record.storage_key)
        storage.put("generated-images", "ab/orphan.png", png_bytes(), "image/png")
        storage.put("generated-images", "cd/young.png", png_bytes((1, 2, 3)), "image/png")
        orphan_path = storage.local_path("generated-images", "ab/orphan.png")
        db.session.remove()
    stale = os.path.join(os.path.dirname(orphan_path), ".tmp-dead")
    open(stale, "wb").close()
    for path in (kept_path, orphan_path, stale):
        _age(path)

    dry = app.test_cli_runner().invoke(args=["sweep-storage", "--grace-hours", "1", "--dry-run"])
    assert "would remove generated-images/ab/orphan.png" in dry.output and os.path.exists(orphan_path)
    result = app.test_cli_runner().invoke(args=["sweep-storage", "--grace-hours", "1"])
    assert result.exit_code == 0, result.output
    assert "removed generated-images/ab/orphan.png" in result.output and "removed temporary" in result.output
    assert "removed 2 unreferenced" in result.output
    assert not os.path.exists(orphan_path) and not os.path.exists(stale)
    assert os.path.exists(kept_path)  # a row references it
    assert os.path.exists(os.path.join(os.path.dirname(os.path.dirname(orphan_path)), "cd", "young.png"))
    assert client.get(made["image_url"]).status_code == 200
    _clean(app)


def test_a_failed_local_write_leaves_no_temporary_file(tmp_path):
    storage = LocalStorage(str(tmp_path))
    with pytest.raises(TypeError):
        storage.put("generated-images", "ab/never.png", "not bytes", "image/png")
    assert [name for _dir, _dirs, files in os.walk(tmp_path) for name in files] == []


def test_the_sweep_on_s3_keeps_referenced_objects(make_app, moto_s3):
    settings, s3, _stop = moto_s3
    app = make_app(**settings)
    client = app.test_client()
    made = client.post("/ai/generate", json={"prompt": "on s3"}).get_json()
    s3.put_object(Bucket="imprint", Key="generated-images/zz/orphan.png", Body=b"x")
    result = app.test_cli_runner().invoke(args=["sweep-storage", "--grace-hours", "0"])
    assert "removed generated-images/zz/orphan.png" in result.output, result.output
    assert "removed 1 unreferenced" in result.output
    assert len(s3.list_objects_v2(Bucket="imprint")["Contents"]) == 1
    assert client.get(f"/ai/generated-images/{made['id']}").get_json()["status"] == "success"
    _clean(app)


def test_s3_lost_during_the_reference_check_is_a_failed_row_and_a_5xx(make_app, moto_s3):
    settings, _s3, stop = moto_s3
    app = make_app(**settings)
    stopped = []

    def stop_s3_after_the_put(session, _context, _instances):
        if not stopped and any(isinstance(o, GeneratedImage) and o.status == "success" for o in session.new):
            stopped.append(True)
            stop()  # the bytes are in S3; the check that they still are finds no S3

    event.listen(Session, "before_flush", stop_s3_after_the_put)
    try:
        response = app.test_client().post("/ai/generate", json={"prompt": "s3 goes away"})
    finally:
        event.remove(Session, "before_flush", stop_s3_after_the_put)
    assert stopped and response.status_code in (502, 503), response.get_json()
    assert response.get_json()["retryable"] is True
    with app.app_context():
        [row] = db.session.scalars(select(GeneratedImage)).all()
        assert row.status == "failed" and row.storage_provider == "s3" and "storage" in row.error
    _clean(app)
