"""Run every benchmark on SQLite and PostgreSQL with a real Redis broker; print JSON.

`python -m bench` runs them all and writes bench/results/latest.json; `python -m bench
validate reuse` runs only the sections named and prints them, leaving latest.json alone;
`python -m bench --into-latest load` runs the sections named and puts their results into
latest.json in place of the old ones (`sections_ran_at` says when each section last ran).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from backend.accounts.service import create_or_reset_admin
from backend.db import Base
from bench import app as worker_app
from bench import (
    auth,
    claims,
    console,
    fairness,
    ledger,
    load,
    nearby,
    nodes,
    pipeline,
    reuse,
    uploads,
    validate,
    webhooks,
)
from bench.bucket import s3_photos
from bench.common import bench_app, own_database, percentiles, timed
from tests.support.factories import token_for
from tests.support.services import postgres_server, redis_server

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "1000"))
MISSIONS = int(os.environ.get("BENCH_MISSIONS", "1000000"))
QUERIES = int(os.environ.get("BENCH_QUERIES", "1000"))
CLAIM_ROUNDS = int(os.environ.get("BENCH_CLAIM_ROUNDS", "10"))
VALIDATE_PHOTOS = int(os.environ.get("BENCH_VALIDATE_PHOTOS", "120"))
REUSE_HASHES = int(os.environ.get("BENCH_REUSE_HASHES", "1000000"))
REUSE_QUERIES = int(os.environ.get("BENCH_REUSE_QUERIES", "1000"))
PIPELINE_SUBMISSIONS = int(os.environ.get("BENCH_PIPELINE_SUBMISSIONS", "60"))
NODES_SUBMISSIONS = int(os.environ.get("BENCH_NODES_SUBMISSIONS", "30"))
LEDGER_ENTRIES = int(os.environ.get("BENCH_LEDGER_ENTRIES", "1000000"))
REVIEW_ROUNDS = int(os.environ.get("BENCH_REVIEW_ROUNDS", "200"))
UPLOAD_PHOTOS = int(os.environ.get("BENCH_UPLOAD_PHOTOS", "30"))
FAIRNESS_SUBMISSIONS = int(os.environ.get("BENCH_FAIRNESS_SUBMISSIONS", "20000"))
FAIRNESS_ROUNDS = int(os.environ.get("BENCH_FAIRNESS_ROUNDS", "200"))
AUTH_BURST = int(os.environ.get("BENCH_AUTH_BURST", "250"))
WEBHOOK_EVENTS = int(os.environ.get("BENCH_WEBHOOK_EVENTS", "10000"))
LOAD_STEP_S = float(os.environ.get("BENCH_LOAD_STEP_S", "15"))
LOAD_USERS_STEP = int(os.environ.get("BENCH_LOAD_USERS_STEP", "5"))
LOAD_MAX_STEPS = int(os.environ.get("BENCH_LOAD_MAX_STEPS", "12"))
LOAD_PHOTOS = int(os.environ.get("BENCH_LOAD_PHOTOS", "1500"))  # distinct pairs in the pool
LOAD_MISSIONS = int(os.environ.get("BENCH_LOAD_MISSIONS", "20000"))
LOAD_ROUNDS = int(os.environ.get("BENCH_LOAD_ROUNDS", "100"))
LOAD_SUBMISSIONS = int(os.environ.get("BENCH_LOAD_SUBMISSIONS", "8"))
LOAD_SOAK_S = float(os.environ.get("BENCH_LOAD_SOAK_S", "600"))  # PostgreSQL; 0: none
# The soak's fault stretch after it (PostgreSQL, on servers of its own; root: a loop disk)
LOAD_FAULTS_S = float(os.environ.get("BENCH_LOAD_FAULTS_S", "150"))  # 0: none
SECTIONS = (
    "api",
    "claims",
    "auth",
    "nearby",
    "validate",
    "pipeline",
    "load",
    "nodes",
    "uploads",
    "webhooks",
    "fairness",
    "ledger",
    "console",
    "app",
    "reuse",
)


def run_backend(url: str, broker: str, var: str) -> dict[str, Any]:
    """Per-request latency in process (Flask test client): auth lookup and an outbox write."""
    app = bench_app(url, broker, var)
    client = app.test_client()
    with app.app_context():
        with app.extensions["fairfield.db"].transaction() as session:
            admin, _ = create_or_reset_admin(
                db_session=session, email="bench@fairfield.test", password="bench password!"
            )
        headers = {"Authorization": f"Bearer {token_for(app, admin)}"}

    def me() -> None:
        assert client.get("/api/v1/me", headers=headers).status_code == 200

    def pipeline_check() -> None:
        assert client.post("/api/v1/admin/pipeline-checks", headers=headers).status_code == 202

    result = {
        "get_me_authenticated": percentiles(timed(me, ROUNDS)),
        "post_pipeline_check_with_outbox_relay": percentiles(timed(pipeline_check, ROUNDS)),
    }
    database = app.extensions["fairfield.db"]
    with database.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    database.engine.dispose()
    return result


def _both(tmp: str, pg: str, name: str, run: Any) -> dict[str, Any]:
    """One benchmark on a fresh SQLite file, then on the shared PostgreSQL database."""
    return {"sqlite": run(f"sqlite:///{tmp}/{name}.sqlite"), "postgresql": run(pg)}


def _pipeline(tmp: str, pg: str, broker: str) -> dict[str, Any]:
    """The pipeline with photos in the local folder, then in a bucket (each S3 run with its
    own server and bucket, var folder and database: the same photos again in one database
    would be rejected as reused)."""
    result = _both(
        tmp, pg, "pipeline", lambda url: pipeline.run(url, broker, tmp, PIPELINE_SUBMISSIONS)
    )
    for name, url in (("sqlite", f"sqlite:///{tmp}/pipeline-s3.sqlite"), ("postgresql", pg)):
        var = Path(tmp) / f"pipeline-s3-{name}"
        var.mkdir()
        with s3_photos() as photos, own_database(url, "fairfield_bench_pipeline_s3") as own:
            result[f"{name}_s3"] = pipeline.run(own, broker, str(var), PIPELINE_SUBMISSIONS, photos)
    return result


def sections(names: list[str], tmp: str, broker: str, pg: str) -> dict[str, Any]:
    # Reuse goes last: it leaves a million photo rows in the shared PostgreSQL database.
    runs = {
        "api": lambda: _both(tmp, pg, "bench", lambda url: run_backend(url, broker, tmp)),
        "claims": lambda: _both(
            tmp, pg, "claims", lambda url: claims.run(url, broker, tmp, CLAIM_ROUNDS)
        ),
        "auth": lambda: _both(tmp, pg, "auth", lambda url: auth.run(url, broker, tmp, AUTH_BURST)),
        "nearby": lambda: _both(
            tmp, pg, "nearby", lambda url: nearby.run(url, broker, tmp, MISSIONS, QUERIES)
        ),
        "validate": lambda: validate.run(VALIDATE_PHOTOS),
        "pipeline": lambda: _pipeline(tmp, pg, broker),
        "load": lambda: load.run_both(
            tmp,
            broker,
            load.Sizes(
                step_s=LOAD_STEP_S,
                users_step=LOAD_USERS_STEP,
                max_steps=LOAD_MAX_STEPS,
                pairs=LOAD_PHOTOS,
                missions=LOAD_MISSIONS,
                rounds=LOAD_ROUNDS,
                submissions=LOAD_SUBMISSIONS,
                soak_s=LOAD_SOAK_S,
                faults_s=LOAD_FAULTS_S,
            ),
        ),
        # PostgreSQL only: the several-machine database (SQLite's writer is one at a time).
        "nodes": lambda: {"postgresql": nodes.run(pg, broker, tmp, NODES_SUBMISSIONS)},
        "uploads": lambda: _both(
            tmp, pg, "uploads", lambda url: uploads.run(url, broker, tmp, UPLOAD_PHOTOS)
        ),
        "webhooks": lambda: _both(
            tmp, pg, "webhooks", lambda url: webhooks.run(url, broker, tmp, WEBHOOK_EVENTS)
        ),
        # Empties every table afterwards (TRUNCATE on PostgreSQL): before reuse, which keeps.
        "fairness": lambda: _both(
            tmp,
            pg,
            "fairness",
            lambda url: fairness.run(url, broker, tmp, FAIRNESS_SUBMISSIONS, FAIRNESS_ROUNDS),
        ),
        # On PostgreSQL in a database of its own beside the shared one, dropped afterwards.
        "ledger": lambda: _both(
            tmp,
            pg,
            "ledger",
            lambda url: ledger.run(url, broker, tmp, LEDGER_ENTRIES, REVIEW_ROUNDS),
        ),
        "console": lambda: _both(tmp, pg, "console", lambda url: console.run(url, broker, tmp)),
        "app": lambda: _both(tmp, pg, "app", lambda url: worker_app.run(url, broker, tmp)),
        "reuse": lambda: _both(
            tmp,
            pg,
            "reuse",
            lambda url: reuse.run(url, broker, tmp, REUSE_HASHES, REUSE_QUERIES),
        ),
    }
    return {name: runs[name]() for name in SECTIONS if name in names}


def main() -> None:
    arguments = sys.argv[1:]
    into_latest = "--into-latest" in arguments
    chosen = [name for name in arguments if name != "--into-latest"]
    if into_latest and not chosen:
        sys.exit("--into-latest needs the sections to run: python -m bench --into-latest load")
    names = chosen or list(SECTIONS)
    unknown = set(names) - set(SECTIONS)
    if unknown:
        sys.exit(f"unknown sections {sorted(unknown)}; choose from {', '.join(SECTIONS)}")
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as services:
        broker = pg = ""
        if names != ["validate"]:  # the only section with neither database nor broker
            broker = f"{services.enter_context(redis_server())}/0"
            pg = services.enter_context(postgres_server())
        results = sections(names, tmp, broker, pg)
    report = {
        "ran_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "rounds": ROUNDS,
        "note": "api: in-process latency through the full Flask stack (auth, scoping, "
        "commit); the POST also writes an outbox row and publishes it to Redis after commit. "
        "claims: rounds of 500 claims (each with an Idempotency-Key) on 50 fresh missions by "
        "500 fresh workers, sent at once from 2 client processes x 16 threads over HTTP to "
        "gunicorn (one sync worker per core) on the same 2 cores; claims/s is 500 over the "
        "round's wall time; bare_endpoint the same rounds, in turn with the full ones, against "
        "bench/bare_claims.py, a WSGI app served by gunicorn the same way that finds the "
        "token's worker and runs the API's own conditional UPDATE and INSERT in one "
        "transaction (no framework, idempotency, cap, closing check, window or schema); "
        "full_over_bare is the full endpoint's median over the bare one's. auth: "
        "BENCH_AUTH_BURST simultaneous sign-ups (POST /auth/register, "
        "role worker), then as many simultaneous logins (POST /auth/token) of the same "
        "accounts, each request on its own connection from its own client thread released by "
        "one barrier, over HTTP to gunicorn (one sync worker per core) at the production "
        "argon2 cost (time cost 3, 64 MiB), rate limits off, client timeout 120 s; latencies "
        "count every request (a failure at the time it failed), wall_s runs from the first "
        "send to the last answer, requests_per_s is the burst over wall_s; a login whose "
        "sign-up failed answers 401. "
        "nearby: 20 nearest open missions within 5 km, measured after one "
        "warm pass over the same 1,000 points; db_query is the search (index walk and exact "
        "great-circle ranking) on an open session, http_endpoint_in_process the whole GET "
        "/missions/nearby through Flask's test client (no socket), numpy_full_scan a "
        "haversine scan of all points. validate: one thread pinned to one core, no database; "
        "6 synthetic 4000x3000 shelf photos (packs, labels, lines of text, uneven light, "
        "sensor grain; quality 90 with phone EXIF, about 3.7 MB each, made per run) taken in "
        "turn by each method: validation is inspect_photo plus perceptual_hash as the task "
        "runs them, pillow_draft_decode a draft('L', 1/8) and convert, pillow_full_decode an "
        "open and load (RGB), full_decode_validation the same checks and hash after a full "
        "decode, convert to L and a 1/8 box reduce; photos_per_s_per_core is 1000 / p50 ms. "
        "pipeline: 3-photo submissions of such 12 MP photos (every photo distinct: strips of "
        "6 base shelves shifted, mirrored and recoloured; least_hamming_between_photos is "
        "their nearest pair), each by a fresh worker who claims a mission over HTTP, then "
        "uploads (with an Idempotency-Key) to gunicorn (one sync worker per core); a real "
        "Celery worker (prefork, concurrency 2, Redis broker, relay on commit) validates; 3 "
        "uploaders in threads, each waiting for its decision before the next claim, after 3 "
        "warm submissions; sqlite_s3 and postgresql_s3 the same with FAIRFIELD_PHOTO_STORE=s3: "
        "photos in a bucket of a local moto S3 server on the loopback (each run with its own "
        "server, bucket, var folder and database), bucket: every photo the database names read "
        "back from the bucket and hashed (missing_or_differing must be 0). "
        "load: a market day on each backend (SQLite file; PostgreSQL on a cluster, a Redis and "
        "a loop-mounted ext4 photo disk of its own, with BROKER_VISIBILITY_TIMEOUT 30 and "
        "OUTBOX_RESEND_AFTER_SECONDS 15 so that the faults below heal within a minute) "
        "against gunicorn (one sync worker per core), a real Celery worker (prefork, concurrency "
        "2, relay on commit) and Redis, on the same 2 cores as the load generator: a brand with "
        "20 published, funded campaigns (2 SKUs, 2 photos) sharing BENCH_LOAD_MISSIONS stores "
        "within about 100 m of Brussels (the photos' EXIF place), the last campaign sending every"
        " submission to a person. locust (headless, FastHttpUser, in a process of its own) runs a"
        " brand member and an admin throughout and adds BENCH_LOAD_USERS_STEP workers every "
        "BENCH_LOAD_STEP_S seconds, 0.2-0.6 s of thought between screens: a worker looks nearby 3"
        " times, reads 2 missions, claims one, checks in, declares a tus submission of two "
        "distinct 12 MP phone JPEGs (about 3.7 MB each, from a pool made before the run, "
        "photo_pool.made, each pair used once: a dry pool fails the run), sends each photo with a"
        " HEAD and 2 PATCHes, then polls the decision up to twice; a brand reads 2 random "
        "campaigns' results as JSON, then as CSV; an admin reads the review queue's first page "
        "and approves up to 3 of its items. 404 or 409 to reading or claiming a mission another "
        "took, and 409 to deciding one decided meanwhile, are expected; any other status, a cut "
        "connection or an exception is an error. The steps stop at the first whose p99 over all "
        "its requests passes 500 ms or that has an error; the knee is the step before it: its "
        "requests/s, submissions (declaration and every PATCH done) per minute, and p50/p99 per "
        "operation; each step's broker_queue_at_end counts the tasks waiting in Redis as it ended"
        " (validation falling behind), drained_s how long the outbox and the submissions took to "
        "clear after the last step. Then, on the same servers, drained and idle, each operation "
        "alone from one sequential client, BENCH_LOAD_ROUNDS calls (BENCH_LOAD_SUBMISSIONS "
        "submissions on a campaign without review, as 19 in 20 of the load's, their PATCHes "
        "charged with their validation: the window runs until the machine has decided; decide "
        "approves as many made beforehand for a person, outside any window), each window closing "
        "once the outbox is done: cpu_ms_per_operation is the server processes' CPU over the "
        "window (psutil utime+stime of gunicorn's master and workers, the Celery worker and its "
        "children, Redis, and PostgreSQL's postmaster and its children, reaped children "
        "included), less their idle rate (idle_server_cores) over as long, per call. mix is each "
        "operation's share of the knee step's requests; ceiling_requests_per_s = (cores - "
        "generator_cores) / sum(share x CPU per operation), generator_cores the locust process's "
        "CPU over the knee step's wall time; knee_over_ceiling is the knee's requests/s over that"
        " ceiling. soak (PostgreSQL only): the same mix at 80 % of the knee's workers (others) "
        "with the brand member and admin for BENCH_LOAD_SOAK_S seconds (its photos made after the"
        " ceiling, a quarter more than its workers would take at the best rate per worker of any "
        "step): its errors and latency; each role's memory (each process tree summed) every 10 s"
        ": RSS, anon (RSS less shared memory and mapped files: PostgreSQL's shared buffers count "
        "in the RSS of every backend that touched them), USS (what no other process shares) and"
        " PSS (each shared page divided among its sharers), the least of the samples from 30 "
        "to 120 s (memory_at_start) and over the last 90 s (memory_at_end), what the processes "
        "hold between tasks (a Celery child holds a decoded photo only during a task: one "
        "reading at each end would measure where the children were in their tasks), with each "
        "window's greatest RSS (rss_peak_mb), the growth between the two, and the RSS series; "
        "the "
        "outbox's unsent and not-done messages and Redis's queue length 30 s in and at the end"
        ", and check_ledger afterwards (must find nothing). soak.faults: then the "
        "same users again for BENCH_LOAD_FAULTS_S seconds with beat running (every job each 2 s)"
        ", fresh workers whose phones wait out an outage and try again (no answer, 502-504, 507:"
        " the same request after 1 s for up to 120 s, same Idempotency-Key; a cut or refused "
        "PATCH resumes from a HEAD's offset), while every BENCH_LOAD_FAULTS_S/5 s one fault "
        "comes in turn: PostgreSQL restarted (pg_ctl stop -m fast, start), Redis killed and "
        "started empty (its queue lost), the Celery worker SIGKILLed with its children and "
        "another started, the photo disk filled (sparse fallocate) to 64 KiB free for 8 s. "
        "answers counts every status the phones met by operation (0: no answer); errors counts "
        "what no outage explains (a 500, another status, patience run out). Afterwards a person "
        "approves what waits for one until every finished submission (declared and every photo "
        "in) is decided, then: undecided, decided_more_than_once, credited_not_once, "
        "credited_not_approved (each must be empty), unusable_photo_decisions (a photo lost to "
        "a fault: must be 0), every photo of theirs read back from the disk and hashed "
        "(photos.whole must equal photos.photos), check_ledger (must find nothing), and the "
        "server logs' error lines during the stretch. nodes: validation "
        "throughput on PostgreSQL (in a database of its own) with one Celery worker node, then "
        "two (separate `celery worker` processes, concurrency 1 each, no beat, "
        "Redis broker): BENCH_NODES_SUBMISSIONS 3-photo submissions of such 12 MP photos, "
        "uploaded in process beforehand with the relay off, then their validation tasks sent "
        "at once; wall_s runs from the first send until every one is decided (polled every "
        "50 ms), after 2 warm submissions per node; ratio is two nodes' rate over one's. "
        "upload_to_decision runs from just before the upload request to "
        "submissions.decided_at; decision_seen_by_client to when the client's 20 ms poll of "
        "the database saw it. ledger: a synthetic, consistent ledger of about "
        "BENCH_LEDGER_ENTRIES entries (50 funded campaigns; each mission's one approved "
        "submission credited its reward once; 5,000 workers, each asking for their whole "
        "balance after every tenth credit; requests in batches of 500, the oldest paid and "
        "settled, 2 % in open batches, 1 % pending), bulk-loaded (COPY on PostgreSQL, in a "
        "database of its own) and settled as for nearby; check_ledger_seconds is one whole "
        "check_ledger in one snapshot, as `fairfield ledger check` runs it (it must find "
        "nothing), then each invariant timed once. Beside it 2,000 submissions in review (half "
        "flagged location, half campaign_requires_review, a photo each); through Flask's test "
        "client, after 20 warm calls each: the review queue's first page and its 30th page "
        "reached by cursor (50 items), approvals (each of another submission, posting its "
        "credit), and GET /me/earnings for a worker with about 1,000 ledger lines. "
        "uploads: one-photo submissions (a 12 MP phone JPEG of about 3.7 MB) sent from one "
        "client thread over HTTP to gunicorn (one sync worker per core; relay on commit off, "
        "so validation stays queued in the outbox), each by a fresh worker on a freshly "
        "claimed mission; after 2 warm rounds the four ways take turns: the multipart POST; a "
        "tus declaration then the whole photo in one PATCH; a declaration then 256 KiB PATCHes "
        "one after another; a declaration, then a PATCH declaring the full Content-Length that "
        "sends half the bytes before the socket closes, and after a 0.1 s pause (a phone "
        "finding the network again) HEAD for the offset and a PATCH of the rest. Times run "
        "from sending a request to reading the whole answer, a loopback TCP connect included "
        "(sync workers close each connection); the last PATCH includes the sha256 check, "
        "storing the photo and the commit that makes the submission received. "
        "bytes_resent_beyond_cut counts every byte sent twice; head_to_complete runs from "
        "that HEAD to the completing PATCH's answer. "
        "fairness: a synthetic, consistent history of BENCH_FAIRNESS_SUBMISSIONS decided "
        "submissions (20 brands, 100 published campaigns paying 10-20 EUR per active hour for "
        "10-60 estimated minutes, skewed volumes, about 25 audits per worker), received 7-100 "
        "days ago: a quarter go to review first (decided a median 6 h later); 10 % are "
        "rejected, 40 % of those appealed and 35 % of appeals reversed; every approval is "
        "credited through the ledger's own rules, and every fifth credit a worker asks for "
        "their balance, paid in weekly batches; 50 open missions per campaign, 10 % with a "
        "bonus. Bulk-inserted and settled as for nearby; through Flask's test client, after "
        "warm calls: GET /brands/{id}/scorecard as a worker, each brand in turn; GET "
        "/admin/fairness as an admin (JSON, rounds/4 calls; PNG, rounds/20 calls, about 300 "
        "ms of that matplotlib); GET /missions/{id} for a worker about 1 km away (estimate, "
        "effective hourly rate, scorecard_url). The report reads every submission in its "
        "90-day window, so it grows with the platform. "
        "console: 50 one-photo submissions a campaign sends to a person, each claimed and "
        "uploaded over HTTP to gunicorn and validated by a real Celery worker (its smaller "
        "copies made), then headless Chromium (1400 x 1000) signed in as an admin opens "
        "/#/review: review_screen_ready_ms is performance.now() when the queue of 50 is listed "
        "and the first item's heading and its review-size photo are shown, after a first "
        "visit that fills the browser's cache; thumbnail_bytes_per_item the mean size of "
        "each item's first thumbnail as served; js_css_shipped every script and stylesheet "
        "the first visit fetched (ES modules included): files, bytes, and bytes once gzip -9 "
        "compressed. "
        "app: the worker app's first screen after sign-in, the home screen (#/home, where /app/ "
        "leads a signed-in worker), for a worker with 3 claims, the token put in localStorage "
        "as the app keeps it, over HTTP to gunicorn (static files as it serves them: "
        "uncompressed); headless Chromium as a 360 x 640 phone (no CPU slowdown), each round a "
        "fresh profile. Throttled with DevTools' Network.emulateNetworkConditions (150 ms "
        "latency per request, 1.6 Mbit/s down, 750 kbit/s up) on the page target through "
        "ChromeDriver, and on every worker target (the service worker's own fetches: its "
        "precache and its network-first page) through a browser-wide DevTools session that "
        "auto-attaches each new worker paused, throttles it, then lets it run: page-target "
        "conditions do not reach a service worker; each target gets its own emulated link, so "
        "the precache does not take the page's bandwidth (it does hold sockets of the same "
        "pool). Usable: the animation frame after the home screen holds its greeting heading, "
        "the worker's level, balance and approved count, and its primary control, the "
        '"Find missions" link (a link, never disabled), all laid out; performance.now() in '
        "the page, from navigation start. cold: the first visit (empty HTTP cache, no "
        "service worker); warm: once the service worker is active with every shell file "
        "cached, the page reloaded (served through it: the page from the network, the shell "
        "from its cache, the API from the network). within_budget: every round under the "
        "budget. shell_js_css: every script and stylesheet of sw.js's precache list and of "
        "what the first screen fetched (each list, what one has that the other lacks, and "
        "their union against 150 KB): files, bytes, and bytes with each file gzip -9 "
        "compressed. "
        "webhooks: BENCH_WEBHOOK_EVENTS submission.approved events to one subscription, "
        "emitted in transactions of 100 (each committed, its outbox relayed to Redis), "
        "delivered by a real Celery worker (prefork, concurrency 2: take the attempt, sign "
        "per Standard Webhooks, resolve and check the address, POST, record the attempt) to "
        "a receiver on the loopback answering 204 (plain http under "
        "FAIRFIELD_WEBHOOK_ALLOW_PRIVATE_NETWORKS); deliveries_per_s is the events over the "
        "time from the first commit to the last receipt; commit_to_receipt runs from the "
        "moment an event's transaction goes to commit to the receiver reading its request. "
        "reuse: photo rows (1,000 per submission) whose perceptual "
        "hashes are uniform random 64-bit values, the best case for the 16-bit band buckets "
        "(real hashes cluster); settled as for nearby, then one warm pass and a timed pass of "
        "the same queries in one read transaction: near_matches at max_hamming 7 "
        "(FAIRFIELD_PHOTO_SIMILAR_MAX_HAMMING, as far as the reuse check looks, with no "
        "arrival-order filter) for 1,000 hashes, half stored ones with 0-7 bits flipped (every "
        "one must be found), half fresh; band_probe_rows_mean is the entries its 68 band probes "
        "read from the (band, phash) indexes alone, only the matches then fetched whole; "
        "exact_matches looks up 3 sha256s, the first one stored in half the queries.",
        "results": results,
    }
    ran_at = report["ran_at"]
    if into_latest:
        # The other sections' figures stay as their last whole run left them.
        latest = json.loads(RESULTS.read_text())
        when = latest.get("sections_ran_at") or dict.fromkeys(latest["results"], latest["ran_at"])
        latest["results"] = latest["results"] | results
        latest["note"] = report["note"]
        latest["sections_ran_at"] = when | dict.fromkeys(results, ran_at)
        report = latest
    elif not arguments:
        report["sections_ran_at"] = dict.fromkeys(results, ran_at)
    text = json.dumps(report, indent=2)
    if into_latest or not arguments:
        RESULTS.write_text(text + "\n")
    sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
