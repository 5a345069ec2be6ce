"""Naming a shared vault: the URLs are checked before anything is contacted, and a credential
in one is refused without being repeated in the message (DR027)."""

from __future__ import annotations

import pytest

from studio.core.errors import InvalidInput
from studio.core.vault.location import parse_catalog, parse_endpoint, parse_store, shared_location


@pytest.mark.parametrize("url", ["postgresql://studio:hunter2@db/twins", "postgresql://studio@db/twins?password=hunter2",
                                 "postgres://studio@db/twins?sslpassword=hunter2"])
def test_a_catalog_url_with_a_password_is_refused_and_says_where_it_goes(url):
    with pytest.raises(InvalidInput, match="must not contain a password.*pgpass") as err:
        parse_catalog(url)
    assert "hunter2" not in str(err.value)


def test_a_catalog_url_is_normalised_and_keeps_its_options():
    assert parse_catalog(" postgres://studio@db:5433/twins?sslmode=verify-full&sslkey=/k.pem ") == \
        "postgresql://studio@db:5433/twins?sslmode=verify-full&sslkey=/k.pem"


@pytest.mark.parametrize("url, why", [("mysql://a:hunter2@h/d", "must be a PostgreSQL URL"),
                                      ("postgresql://studio@db", "names no database"),
                                      ("postgresql://studio@db:port/x", "not a valid URL")])
def test_a_catalog_that_is_not_one_is_refused(url, why):
    with pytest.raises(InvalidInput, match=why) as err:
        parse_catalog(url)
    assert "hunter2" not in str(err.value)


def test_a_store_url_names_a_bucket_and_a_prefix():
    assert parse_store("s3://studio-vault/twins/") == ("studio-vault", "twins")
    assert parse_store("s3://studio-vault") == ("studio-vault", "")


@pytest.mark.parametrize("url, why", [
    ("https://AKIA:hunter2@s3.lan/x", "must be an S3 URL"),
    ("s3://AKIA:hunter2@bucket/x", "credentials come from the AWS environment"),
    ("s3://Bad_Bucket/x", "not a valid bucket name"),
    ("s3://bucket/../other", "may hold only"),
    ("s3://bucket/x?secret=hunter2", "names only a bucket and a prefix"),
])
def test_a_bad_store_url_is_refused_without_repeating_a_secret(url, why):
    with pytest.raises(InvalidInput, match=why) as err:
        parse_store(url)
    assert "hunter2" not in str(err.value)


def test_an_endpoint_is_http_without_credentials():
    assert parse_endpoint(" https://s3.studio.lan:9000 ") == "https://s3.studio.lan:9000"
    assert parse_endpoint("") is None
    for bad in ("ftp://s3.lan", "https://AKIA:hunter2@s3.lan"):
        with pytest.raises(InvalidInput) as err:
            parse_endpoint(bad)
        assert "hunter2" not in str(err.value)


def test_the_environment_names_a_shared_vault_and_options_win(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    assert shared_location(None, None) is None
    monkeypatch.setenv("STUDIO_CATALOG", "postgresql://studio@db/twins")
    monkeypatch.setenv("STUDIO_STORE", "s3://studio-vault/twins")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:8333")
    loc = shared_location(None, None)
    assert (loc.catalog, loc.bucket, loc.prefix, loc.endpoint) == \
        ("postgresql://studio@db/twins", "studio-vault", "twins", "http://127.0.0.1:8333")
    assert shared_location("postgresql://studio@other/x", None).catalog == "postgresql://studio@other/x"
    assert loc.describe() == "db/twins + s3://studio-vault/twins"


def test_a_catalog_without_a_store_is_an_error(monkeypatch):
    monkeypatch.delenv("STUDIO_STORE", raising=False)
    with pytest.raises(InvalidInput, match="needs both a catalog .* and a store"):
        shared_location("postgresql://studio@db/twins", None)
