"""The shared vault's test servers (tests/servers.py) are real and refuse what they should:
PostgreSQL takes the password only from libpq's passfile, SeaweedFS only signed requests, and a
``weed`` binary with another hash is not run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from tests import servers


def test_postgres_connects_with_the_url_and_the_passfile(shared_location):
    import psycopg

    url = urlsplit(shared_location.catalog)
    assert (url.scheme, url.username, url.password) == ("postgresql", "studio", None)
    assert os.environ["PGPASSFILE"] == shared_location.env["PGPASSFILE"]
    with psycopg.connect(shared_location.catalog) as conn:
        user, db, addr = conn.execute(
            "SELECT current_user, current_database(), inet_server_addr()::text").fetchone()
        assert (user, db) == ("studio", shared_location.database)
        assert addr.startswith("127.0.0.1")  # over TCP, where a password is required
        # a fresh database, owned by studio, empty, and studio can make tables in it
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)
        conn.execute("CREATE TABLE t (x int)")
        conn.execute("INSERT INTO t VALUES (1)")
        assert conn.execute("SELECT x FROM t").fetchall() == [(1,)]


def test_postgres_refuses_a_wrong_or_missing_password(shared_location, postgres, tmp_path, monkeypatch):
    import psycopg

    wrong = tmp_path / "pgpass-wrong"
    wrong.write_text(f"127.0.0.1:{postgres.port}:*:studio:not-the-password\n")
    wrong.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(wrong))
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(shared_location.catalog, connect_timeout=10)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    with pytest.raises(psycopg.OperationalError, match="no password supplied"):
        psycopg.connect(shared_location.catalog, connect_timeout=10)


def test_a_child_process_reaches_postgres_with_the_same_environment(shared_location):
    code = ("import os, psycopg; c = psycopg.connect(os.environ['CATALOG']); "
            "print(c.execute('SELECT current_user').fetchone()[0])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**shared_location.environ(), "CATALOG": shared_location.catalog})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "studio"


def test_s3_round_trip_with_the_environment(shared_location):
    import boto3

    # only the standard environment: keys, region and endpoint from AWS_* (no arguments)
    s3 = boto3.session.Session().client("s3")
    assert s3.meta.endpoint_url == shared_location.endpoint
    bucket = shared_location.bucket
    assert shared_location.store == f"s3://{bucket}/vault"
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    s3.put_object(Bucket=bucket, Key="vault/blobs/ab", Body=b"\x00ciphertext\xff")
    assert s3.get_object(Bucket=bucket, Key="vault/blobs/ab")["Body"].read() == b"\x00ciphertext\xff"
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="vault/")
    assert [o["Key"] for o in listed["Contents"]] == ["vault/blobs/ab"]
    s3.delete_object(Bucket=bucket, Key="vault/blobs/ab")
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_s3_refuses_unsigned_and_wrongly_signed_requests(shared_location, seaweed):
    from botocore import UNSIGNED
    from botocore.config import Config
    from botocore.exceptions import ClientError

    bucket = shared_location.bucket
    seaweed.client().put_object(Bucket=bucket, Key="vault/x", Body=b"secret")
    unsigned = seaweed.client(config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))
    for call in (lambda: unsigned.get_object(Bucket=bucket, Key="vault/x"),
                 lambda: unsigned.put_object(Bucket=bucket, Key="vault/y", Body=b"x"),
                 lambda: unsigned.list_objects_v2(Bucket=bucket)):
        with pytest.raises(ClientError) as e:
            call()
        assert e.value.response["Error"]["Code"] == "AccessDenied"
    wrong = seaweed.client(aws_secret_access_key="not-the-secret")
    with pytest.raises(ClientError) as e:
        wrong.get_object(Bucket=bucket, Key="vault/x")
    assert e.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    stranger = seaweed.client(aws_access_key_id="NOSUCHKEY", aws_secret_access_key="x")
    with pytest.raises(ClientError) as e:
        stranger.list_buckets()
    assert e.value.response["Error"]["Code"] == "InvalidAccessKeyId"


def test_a_weed_binary_with_another_hash_is_refused(tmp_path):
    fake = tmp_path / "weed"
    shutil.copy(shutil.which("true") or "/bin/true", fake)
    with pytest.raises(RuntimeError, match="refusing to run .*SHA-256"):
        servers.verify_weed(fake)
    server = servers.SeaweedServer(weed=fake)
    with pytest.raises(RuntimeError, match="refusing to run"):
        server.start()
    assert server.proc is None and server.base is None  # nothing was started


def test_the_installed_weed_is_the_pinned_one():
    weed = servers.find_weed()
    servers.verify_weed(weed)
    out = subprocess.run([str(weed), "version"], capture_output=True, text=True, timeout=30).stdout
    assert f" {servers.WEED_VERSION} " in out
