"""Many stations on one shared vault at once (issue 12, DR027): each station a separate process
(the ``twin-studio`` command, or a worker from :mod:`tests.e2e.stations`) with its own
connections and station folder, against the real PostgreSQL and SeaweedFS servers. The stations
are lined up at the product's pause points and released together; nothing here waits on time.

- simultaneous ingests all succeed; the same file on two stations at once ends as one asset;
- of several exports racing for a grant's last use exactly one is counted;
- audit events appended by several stations at once form one unbroken chain, and its anchored
  head is never put back by a station slow to write it;
- a station SIGKILLed mid-upload leaves nothing visible, does not hold the others up, and its
  upload is removed by the next write — never another station's upload in progress;
- a station that loses the catalog database (its server crashes) or the object store (its
  connection is cut) mid-ingest says which, and nothing of the ingest is committed.

Each test gets a copy of one template vault (a catalog database and a bucket of its own); the
"check" of each test runs in this process, which is one more station with its own connections.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import signal
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSPHRASE, TESTDATA
from tests.e2e.stations import WAIT_S, Cut, Station, stop_stragglers, wait_files

# Many station processes, synchronised by pause points and files (never by timing): load-proof,
# so the README's test command runs them beside the core tests, with the crash tests
pytestmark = pytest.mark.slow

VOICE = TESTDATA / "voice"
TAKES = [VOICE / "cmu_arctic_us_axb_a0005.wav", VOICE / "librispeech_1034-121119-0022.flac",
         VOICE / "speechbrain_example3.sph"]


@pytest.fixture(autouse=True)
def _no_stragglers():
    """No station outlives its test, whatever happened to it."""
    yield
    stop_stragglers()


@contextlib.contextmanager
def made_vault(loc):
    """A fresh shared vault at ``loc`` (made in this process, which is a station of its own)
    with one talent: ``(vault, talent id)``."""
    from studio.core.talents import add_talent
    from studio.core.vault.location import shared_location as location_of
    from studio.core.vault.opening import create_vault

    v = create_vault(location_of(loc.catalog, loc.store, loc.endpoint), PASSPHRASE)
    try:
        yield v, add_talent(v, "Ada Lovelace").id
    finally:
        v.close()


_SCRUB = ("PGPASSWORD", "PGSERVICE", "PGSERVICEFILE", "PGUSER", "PGHOST", "PGPORT", "PGDATABASE", "AWS_PROFILE",
          "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")


def use_environment(monkeypatch, env: dict) -> None:
    """The environment the product reads, as :func:`tests.conftest.shared_location` sets it."""
    for name in _SCRUB:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="module")
def _template(postgres, seaweed, tmp_path_factory):
    """One shared vault with one talent made by the real ``SharedVault.create`` (its KDF and
    migrations take a few seconds), which each test copies: ``(database, bucket, keys, talent id)``."""
    from tests.conftest import SharedLocation

    db, bucket = postgres.new_database(), seaweed.new_bucket()
    env = {**postgres.env(), **seaweed.env()}
    loc = SharedLocation(catalog=db.url, store=f"s3://{bucket}/vault", endpoint=seaweed.endpoint,
                         database=db.name, bucket=bucket, env=env)
    with pytest.MonkeyPatch.context() as mp:
        use_environment(mp, env)
        mp.setenv("STUDIO_DATA_DIR", str(tmp_path_factory.mktemp("template-station")))
        with made_vault(loc) as (v, tid):
            keys = v._keys
    return db.name, bucket, keys, tid


@pytest.fixture
def shared_copy(postgres, seaweed, _template, monkeypatch):
    """A fresh shared vault, a copy of the module's (its catalog database and its objects), and
    the environment set: a :class:`tests.conftest.SharedLocation`."""
    from tests.conftest import SharedLocation

    database, bucket, _, _ = _template
    db, copy = postgres.new_database(template=database), seaweed.new_bucket()
    client = seaweed.client()
    for item in client.list_objects_v2(Bucket=bucket)["Contents"]:
        client.copy_object(Bucket=copy, Key=item["Key"], CopySource={"Bucket": bucket, "Key": item["Key"]})
    env = {**postgres.env(), **seaweed.env()}
    use_environment(monkeypatch, env)
    return SharedLocation(catalog=db.url, store=f"s3://{copy}/vault", endpoint=seaweed.endpoint,
                          database=db.name, bucket=copy, env=env)


@pytest.fixture
def vault(shared_copy, _template):
    """The copy, opened in this process (a station of its own) with the template's
    already-unwrapped key (the header's MAC is still checked): ``(vault, talent id)``."""
    from studio.core.vault.location import shared_location as location_of
    from studio.core.vault.shared import SharedVault, read_shared_header

    keys, tid = _template[2], _template[3]
    where = location_of(shared_copy.catalog, shared_copy.store, shared_copy.endpoint)
    header, objects = read_shared_header(where)
    header.verify(keys)
    v = SharedVault(where, header, keys, objects)
    try:
        yield v, tid
    finally:
        stop_stragglers()
        v.close()


def stations(loc, tmp_path, n: int) -> list[Station]:
    return [Station(f"station-{chr(97 + i)}", loc, tmp_path / f"station-{chr(97 + i)}") for i in range(n)]


def blob_objects(seaweed, loc, kind: str = "blobs") -> list[str]:
    """The object names under the vault's ``kind/`` in the bucket."""
    client = seaweed.client()
    names, token = [], None
    while True:
        kw = {"ContinuationToken": token} if token else {}
        page = client.list_objects_v2(Bucket=loc.bucket, Prefix=f"vault/{kind}/", **kw)
        names += [o["Key"] for o in page.get("Contents", ())]
        if not page.get("IsTruncated"):
            return sorted(names)
        token = page["NextContinuationToken"]


def check_clean(v, *, notes: bool = False) -> object:
    """``twin-studio check``'s report for the vault (read in this process, a station of its own):
    no problem, and no note unless ``notes``."""
    from studio.core.check import check_vault

    rep = check_vault(v)
    assert rep.ok and rep.problems == [], rep.problems
    if not notes:
        assert rep.notes == [], rep.notes
    return rep


def checking_at(v, point: str, folder: Path, monkeypatch):
    """Start ``check`` on this station in a thread and return once it is paused at ``point``;
    the function returned releases it and gives its report."""
    from studio.core.check import check_vault

    folder.mkdir()
    monkeypatch.setenv("STUDIO_TEST_PAUSE_AT", f"{point}={folder}")
    got: list = []
    thread = threading.Thread(target=lambda: got.append(check_vault(v)), daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT_S
    while not (folder / f"{point}.reached").exists():
        assert thread.is_alive() and time.monotonic() < deadline, f"check never reached {point}"
        time.sleep(0.02)
    monkeypatch.delenv("STUDIO_TEST_PAUSE_AT")

    def finish():
        (folder / f"{point}.go").touch()
        thread.join(WAIT_S)
        assert len(got) == 1, "check failed (see the thread's exception above)"
        return got[0]

    return finish


def rows(v, table) -> list:
    with v.session() as s:
        return list(s.execute(select(table)).scalars())  # in no particular order


def count(v, table, *where) -> int:
    with v.session() as s:
        return s.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def release_together(runs, point: str) -> None:
    for r in runs:
        r.wait_reached(point)
    for r in runs:
        r.release(point)


# ---- ingest -------------------------------------------------------------------------------------

def test_three_stations_ingesting_at_once_all_succeed(vault, shared_copy, seaweed, tmp_path, monkeypatch):
    from studio.core.vault.catalog import Asset, Blob

    v, tid = vault
    sts = stations(shared_copy, tmp_path, 3)
    # each station analyses, hashes, encrypts and uploads its own file; then all commit at once
    runs = [st.start("ingest", "--talent", tid, "--json", str(take), pause="ingest.staged")
            for st, take in zip(sts, TAKES)]
    for r in runs:
        r.wait_reached("ingest.staged")
    # a check on this station has listed their uploads and read the catalog; they commit now
    checking = checking_at(v, "check.catalog-read", tmp_path / "check-pause", monkeypatch)
    release_together(runs, "ingest.staged")
    results = [r.finish() for r in runs]
    for done in results:
        assert done.returncode == 0, done.stderr
    ingested = [json.loads(done.stdout)[0] for done in results]
    assert [r["status"] for r in ingested] == ["ingested"] * 3
    rep = checking()  # the commits after its snapshot are not its business: no problem
    assert rep.problems == [] and rep.blobs_total == 0, rep.problems

    assets = {a.id: a.sha256 for a in rows(v, Asset)}
    assert assets == {r["asset_id"]: sha256(take) for r, take in zip(ingested, TAKES)}
    rep = check_clean(v)
    assert rep.blobs_checked == rep.blobs_total == count(v, Blob) > 3
    # the store holds exactly the catalog's blobs
    assert len(blob_objects(seaweed, shared_copy)) == count(v, Blob, Blob.store == "blobs")
    assert len(blob_objects(seaweed, shared_copy, "derived")) == count(v, Blob, Blob.store == "derived")


def test_the_same_file_on_two_stations_at_once_ends_as_one_asset(vault, shared_copy, seaweed, tmp_path):
    from studio.core.vault.catalog import Asset, Blob

    v, tid = vault
    take = TAKES[0]
    runs = [st.start("ingest", "--talent", tid, "--json", str(take), pause="ingest.staged")
            for st in stations(shared_copy, tmp_path, 2)]
    release_together(runs, "ingest.staged")  # both uploaded the same blobs; both commit now
    results = [r.finish() for r in runs]
    for done in results:
        assert done.returncode == 0, done.stderr
    got = sorted((json.loads(done.stdout)[0] for done in results), key=lambda r: r["status"])
    assert [r["status"] for r in got] == ["duplicate", "ingested"]
    assert got[0]["asset_id"] == got[1]["asset_id"]
    assert got[0]["reason"] == f"already in the vault as {got[1]['asset_id']}"

    assert [(a.id, a.sha256) for a in rows(v, Asset)] == [(got[1]["asset_id"], sha256(take))]
    check_clean(v)
    # one object per blob: the duplicate's upload was the same object, neither doubled nor removed
    assert len(blob_objects(seaweed, shared_copy)) == count(v, Blob, Blob.store == "blobs")
    assert len(blob_objects(seaweed, shared_copy, "derived")) == count(v, Blob, Blob.store == "derived")


def test_a_station_interrupted_after_its_upload_removes_it_even_while_a_check_runs(
        vault, shared_copy, seaweed, tmp_path, monkeypatch):
    from studio.core.vault.catalog import Asset, Upload

    v, tid = vault
    (station,) = stations(shared_copy, tmp_path, 1)
    run = station.start("ingest", "--talent", tid, str(TAKES[0]), pause="ingest.staged")
    run.wait_reached("ingest.staged")
    assert blob_objects(seaweed, shared_copy) == [object_of(v, sha256(TAKES[0]))]
    # a check on this station has listed the store (the upload among its objects)...
    checking = checking_at(v, "check.listed", tmp_path / "check-pause", monkeypatch)
    # ...when the user interrupts the ingest: it removes its upload and its rows on its way out
    run.proc.send_signal(signal.SIGINT)
    done = run.finish()
    assert done.returncode == 130 and "interrupted" in done.stderr, done.stderr
    assert blob_objects(seaweed, shared_copy) == blob_objects(seaweed, shared_copy, "derived") == []
    assert rows(v, Upload) == [] and rows(v, Asset) == []
    rep = checking()  # an object gone since the listing is no extra file
    assert rep.problems == [] and rep.notes == [], (rep.problems, rep.notes)


# ---- the grant's last use -----------------------------------------------------------------------

def test_of_four_stations_racing_for_the_last_use_exactly_one_exports(vault, shared_copy, tmp_path):
    from studio.core.consent.grants import get_grant
    from studio.core.consent.review import review_asset
    from studio.core.consent.talent_keys import set_talent_passphrase, unlock_talent_key
    from studio.core.intake import ingest_paths
    from studio.core.package.export import export_package
    from studio.core.talents import get_talent
    from studio.core.vault.catalog import LedgerEntry, Package
    from tests.core.helpers import BRAND, active_grant, brand

    v, tid = vault
    set_talent_passphrase(v, tid, "the talent's phrase")
    key = unlock_talent_key(v, tid, "the talent's phrase")
    (r,) = ingest_paths(v, tid, [TAKES[1]])
    review_asset(v, r.asset_id, "approve", key)
    gid = active_grant(v, get_talent(v, tid), key, [r.asset_id], max_uses=2).id
    brand(v)
    export_package(v, gid, BRAND, tmp_path / "first.twinpkg")  # one of two used: one left
    assert get_grant(v, gid).uses == 1

    sts = stations(shared_copy, tmp_path, 4)
    outs = [st.base / "out.twinpkg" for st in sts]
    # each station writes and signs its whole package, then all ask for the last use at once
    runs = [st.start("export", "--grant", gid, "--to", BRAND, "--out", str(out), pause="export.packaged")
            for st, out in zip(sts, outs)]
    release_together(runs, "export.packaged")
    results = [r.finish() for r in runs]

    won = [i for i, done in enumerate(results) if done.returncode == 0]
    assert len(won) == 1, [(d.returncode, d.stderr) for d in results]
    for i, done in enumerate(results):
        if i in won:
            continue
        assert done.returncode == 1, done.stderr  # a refusal, not a crash (2) nor busy (75)
        assert "no uses left (all 2 used)" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
        assert not outs[i].exists() and list(outs[i].parent.glob("*.twinpkg")) == []
    assert outs[won[0]].is_file()
    assert get_grant(v, gid).uses == 2
    packages = rows(v, Package)
    assert len(packages) == 2 and sha256(outs[won[0]]) in {p.file_sha256 for p in packages}
    assert count(v, LedgerEntry) == 2
    check_clean(v)


# ---- the audit chain ----------------------------------------------------------------------------

def test_audit_events_appended_by_three_stations_at_once_form_one_chain(vault, shared_copy, tmp_path):
    from studio.core.vault.audit import verify_chain
    from studio.core.vault.catalog import AuditEvent, Talent

    v, tid = vault
    before = count(v, AuditEvent)
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    sts = stations(shared_copy, tmp_path, 3)
    per_station = 15
    workers = [st.start_worker("talents", str(per_station), barrier=barrier) for st in sts]
    wait_files([barrier / f"{st.name}.ready" for st in sts], workers)  # each opened the vault
    (barrier / "go").touch()
    added = []
    for w in workers:
        out, err = w.communicate(timeout=300)
        assert w.returncode == 0, err
        added += out.split()
    assert len(added) == len(set(added)) == 3 * per_station

    with v.session() as s:
        events = list(s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars())
    assert [e.seq for e in events] == list(range(1, before + 3 * per_station + 1))
    assert sorted(e.subject for e in events[before:]) == sorted(added)
    assert {e.action for e in events[before:]} == {"talent.added"}
    assert {t.id for t in rows(v, Talent)} == {tid, *added}
    with v.session() as s:
        assert verify_chain(s, v.audit_anchor) == []
    assert v.audit_anchor().head.seq == len(events)  # anchored at the chain's true end
    rep = check_clean(v)
    assert rep.audit_events == len(events)


def test_a_station_slow_to_anchor_its_commit_does_not_put_the_chain_head_back(vault, shared_copy, tmp_path):
    """Each commit anchors the chain's new head in the store after it commits (DR016). A station
    that read the head file just before another station's commit must not then write its older
    head over the newer one: check would take the newer event for one added outside Twin Studio."""
    import psycopg

    from studio.core.talents import add_talent
    from studio.core.vault.catalog import AuditEvent

    v, tid = vault
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    (station,) = stations(shared_copy, tmp_path, 1)
    slow = station.start_worker("talents", "1", barrier=barrier, pause="audit.head-read")
    wait_files([barrier / f"{station.name}.ready"], [slow])
    (barrier / "go").touch()
    wait_files([barrier / "audit.head-read.reached"], [slow])  # committed, head file read, not written

    # meanwhile this station commits a change of its own: it either completes, or waits for the
    # slow one (which is what a fix looks like) -- never both undecided
    other: list = []
    writer = threading.Thread(target=lambda: other.append(add_talent(v, "Grace Hopper")), daemon=True)
    writer.start()
    with psycopg.connect(shared_copy.catalog, autocommit=True) as watch:
        deadline = time.monotonic() + WAIT_S
        waiting = ("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = "
                   "(SELECT oid FROM pg_database WHERE datname = current_database())")
        while writer.is_alive() and not watch.execute(waiting).fetchone()[0]:
            assert time.monotonic() < deadline, "the second commit neither finished nor waited"
            time.sleep(0.02)
    (barrier / "audit.head-read.go").touch()
    out, err = slow.communicate(timeout=WAIT_S)
    assert slow.returncode == 0, err
    writer.join(WAIT_S)
    assert len(other) == 1

    events = count(v, AuditEvent)
    assert v.audit_anchor().head.seq == events
    check_clean(v)


# ---- a station killed mid-upload ----------------------------------------------------------------

def test_a_station_killed_mid_upload_blocks_no_one_and_its_upload_alone_is_removed(
        vault, shared_copy, seaweed, tmp_path):
    from studio.core.intake import ingest_paths
    from studio.core.vault.catalog import Asset, Upload

    v, tid = vault
    a, b = stations(shared_copy, tmp_path, 2)
    take_a, take_b = TAKES[0], TAKES[1]
    # both stations have uploaded their first blob (the original) and are uploading the rest
    run_a = a.start("ingest", "--talent", tid, str(take_a), pause="shared.uploaded-first")
    run_b = b.start("ingest", "--talent", tid, str(take_b), pause="shared.uploaded-first")
    run_a.wait_reached("shared.uploaded-first")
    run_b.wait_reached("shared.uploaded-first")
    object_a, object_b = object_of(v, sha256(take_a)), object_of(v, sha256(take_b))
    on_store = set(blob_objects(seaweed, shared_copy))
    assert {object_a, object_b} <= on_store

    run_a.proc.send_signal(signal.SIGKILL)
    assert run_a.proc.wait(timeout=60) == -signal.SIGKILL
    run_a.proc.communicate()
    wait_until_dead(v, sha256(take_a))  # PostgreSQL drops its lease once it sees the socket close

    # before any write: check notes the dead station's upload, and takes B's for the upload in progress it is
    rep = check_clean(v, notes=True)
    assert len(rep.notes) == 1 and "uploaded by a station that stopped before its commit" in rep.notes[0], rep.notes

    # a write on a third station (this process) takes the writer lock, which cleans up: A's
    # upload goes, B's upload in progress stays
    (third,) = ingest_paths(v, tid, [TAKES[2]])
    assert third.status == "ingested"
    on_store = set(blob_objects(seaweed, shared_copy))
    assert object_a not in on_store and object_b in on_store
    assert {u.sha256 for u in rows(v, Upload)} >= {sha256(take_b)}
    assert sha256(take_a) not in {u.sha256 for u in rows(v, Upload)}

    run_b.release("shared.uploaded-first")
    done = run_b.finish()
    assert done.returncode == 0, done.stderr
    assert rows(v, Upload) == []
    assert {x.sha256 for x in rows(v, Asset)} == {sha256(take_b), sha256(TAKES[2])}  # nothing of A's
    check_clean(v)
    assert object_a not in blob_objects(seaweed, shared_copy)


def object_of(v, sha: str) -> str:
    return f"vault/blobs/{v.blobs.name_for(sha)}.age"


def wait_until_dead(v, sha: str) -> None:
    """Until the upload of ``sha`` is one whose station is gone (its lease dropped)."""
    deadline = time.monotonic() + WAIT_S
    while ("blobs", sha) not in v.dead_uploads()[1]:
        assert time.monotonic() < deadline, "the killed station's lease was never dropped"
        time.sleep(0.05)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---- the catalog or the store lost mid-ingest ---------------------------------------------------

@pytest.fixture
def own_catalog(seaweed, monkeypatch):
    """A PostgreSQL cluster of this test's own (the session's is shared by other tests: this one
    is crashed and restarted) and a bucket of the session's SeaweedFS, the environment set as
    :func:`use_environment`, and a vault on them: ``(location, postgres, vault, talent id)``."""
    from tests.conftest import SharedLocation
    from tests.servers import PostgresServer

    pg = PostgresServer(crash_safe=True)  # a commit acknowledged before the crash is still there after it
    try:
        pg.start()
        db, bucket = pg.new_database(), seaweed.new_bucket()
        env = {**pg.env(), **seaweed.env()}
        use_environment(monkeypatch, env)
        loc = SharedLocation(catalog=db.url, store=f"s3://{bucket}/vault", endpoint=seaweed.endpoint,
                             database=db.name, bucket=bucket, env=env)
        with made_vault(loc) as (v, tid):
            yield loc, pg, v, tid
    finally:
        stop_stragglers()
        pg.stop()


def test_a_station_that_loses_the_catalog_or_the_store_mid_ingest_says_which_and_commits_nothing(
        own_catalog, seaweed, tmp_path):
    from studio.core.intake import ingest_paths
    from studio.core.vault.catalog import Asset, AuditEvent, Blob

    loc, pg, v, tid = own_catalog
    (station,) = stations(loc, tmp_path, 1)
    events = count(v, AuditEvent)

    # the catalog's server dies while the station has uploaded its blobs, before its commit
    run = station.start("ingest", "--talent", tid, str(TAKES[0]), pause="ingest.staged")
    run.wait_reached("ingest.staged")
    pg.crash()
    run.release("ingest.staged")
    done = run.finish()
    assert done.returncode == 75, done.stderr
    where = urlsplit(loc.catalog)
    assert done.stderr.startswith(f"twin-studio: unavailable: the vault's catalog database ({where.hostname}:{where.port}{where.path}) "
                                  "cannot be reached"), done.stderr
    assert "Nothing of the operation in progress was committed" in done.stderr and "Traceback" not in done.stderr
    pg.restart()
    # this process's own pooled connections died with the server too: they are replaced, not reported
    assert rows(v, Asset) == [] and count(v, AuditEvent) == events  # nothing half-committed
    rep = check_clean(v, notes=True)  # its uploads are noted, for the next write to remove
    assert len(rep.notes) == 1 and "uploaded by a station that stopped" in rep.notes[0], rep.notes
    (again,) = ingest_paths(v, tid, [TAKES[0]])  # never stored: ingested now, not "already in the vault"
    assert again.status == "ingested"
    check_clean(v)
    events = count(v, AuditEvent)

    # the station's way to the object store is cut at the same point: its commit fails when it
    # writes the audit chain's head, after its intent (committed) and before its rows
    cut = Cut("127.0.0.1", int(loc.endpoint.rsplit(":", 1)[1]))
    station.endpoint = f"http://127.0.0.1:{cut.port}"
    station.extra_env["AWS_ENDPOINT_URL"] = station.endpoint
    run = station.start("ingest", "--talent", tid, str(TAKES[1]), pause="ingest.staged")
    run.wait_reached("ingest.staged")
    cut.cut()
    run.release("ingest.staged")
    done = run.finish()
    assert done.returncode == 75, done.stderr
    assert done.stderr.startswith(f"twin-studio: unavailable: the object store at {station.endpoint} "
                                  f"(bucket {loc.bucket}) cannot be reached"), done.stderr
    assert "Traceback" not in done.stderr
    assert [a.sha256 for a in rows(v, Asset)] == [sha256(TAKES[0])] and count(v, AuditEvent) == events
    rep = check_clean(v, notes=True)
    assert any("interrupted ingest" in n for n in rep.notes), rep.notes
    (again,) = ingest_paths(v, tid, [TAKES[1]])
    assert again.status == "ingested"
    check_clean(v)
    assert len(blob_objects(seaweed, loc)) + len(blob_objects(seaweed, loc, "derived")) == count(v, Blob)
