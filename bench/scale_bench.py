"""The read paths on PostgreSQL with the demo data, then with 1,000,000 cases, in one run.

Creates a PostgreSQL database (``--pg``, default postgresql+psycopg://postgres@127.0.0.1:5432), migrates it,
loads the demo data and measures, over HTTP against the API under gunicorn (``gunicorn.conf.py``), sequential
requests on one keep-alive connection: the officer's inbox (first page, next page, the overdue filter), the
citizen's cases and one case, and ``/office/stats`` (this month, and the last 30 days). Then it fills the
database to 1,000,000 cases (100,000 citizens; about 8 % open, the rest decided over three years; each case
with its submit event) with set-based SQL (``INSERT ... SELECT generate_series``), runs ANALYZE, measures
again, prints EXPLAIN (ANALYZE, BUFFERS) of the inbox's and the stats' statements as the API sends them, and
drops the database.

    .venv/bin/python -m bench.scale_bench [--cases 1000000] [--requests 200] [--quick]

``--quick``: 50,000 cases and 50 requests per path (a smoke run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import requests
from sqlalchemy import event

from bench.api_bench import CITIZEN, OFFICER
from bench.servers import free_port, stop_all, wait_up

ROOT = Path(__file__).resolve().parent.parent
PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
CITIZENS = 100_000
OPEN_SHARE = 0.08
YEARS = 3


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def admin_dsn(pg: str, database: str = "postgres") -> str:
    return pg.replace("postgresql+psycopg://", "postgresql://") + f"/{database}"


def fill(dsn: str, cases: int) -> dict[str, float]:
    """Citizens, cases and submit events, set-based; returns the seconds each step took."""
    timings = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT setseed(0.2026)")
        started = time.monotonic()
        conn.execute(f"""
            INSERT INTO users (phone, name, password_hash, role, language, active, created_at, updated_at)
            SELECT '137' || lpad(g::text, 8, '0'), '市民' || g, '-', 'citizen', 'zh', true, now(), now()
            FROM generate_series(1, {CITIZENS}) AS g""")
        timings["citizens"] = time.monotonic() - started
        existing = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
        first_citizen, citizens = conn.execute(
            "SELECT min(id), count(*) FROM users WHERE phone LIKE '137%'").fetchone()
        started = time.monotonic()
        # One row per service (its department and current version), chosen round-robin; each case gets a
        # random citizen, a random moment in the last three years (open ones: the last 60 days) and a status.
        conn.execute(f"""
            CREATE TEMP TABLE svc AS
            SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, department_id, current_version_id,
                   (SELECT (guide->>'promised_days')::int FROM service_versions v WHERE v.id = current_version_id) AS days
            FROM services WHERE active;
            INSERT INTO cases (case_no, service_id, service_version_id, department_id, applicant_id, status, form,
                               version, submitted_at, accepted_at, paused_working_days, due_date,
                               statutory_due_date, closed_at, updated_at)
            SELECT 'YX' || lpad(g::text, 10, '0'), s.id, s.current_version_id, s.department_id,
                   {first_citizen} + floor(random() * {citizens})::int, c.status, '{{}}'::jsonb, 1, c.submitted,
                   CASE WHEN c.status IN ('submitted', 'not_accepted') THEN NULL ELSE c.submitted + interval '1 day' END,
                   0,
                   CASE WHEN c.status IN ('submitted', 'not_accepted') THEN NULL
                        ELSE (c.submitted + interval '1 day')::date + (s.days * 7 / 5 + 1) END,
                   CASE WHEN c.status IN ('submitted', 'not_accepted') THEN NULL
                        ELSE (c.submitted + interval '1 day')::date + (s.days * 7 / 5 + 15) END,
                   c.closed, coalesce(c.closed, c.submitted)
            FROM generate_series(1, {cases - existing}) AS g
            JOIN svc s ON s.n = g % (SELECT count(*) FROM svc)
            CROSS JOIN LATERAL (
                SELECT r, CASE
                         WHEN r < {OPEN_SHARE / 4} THEN 'submitted'
                         WHEN r < {OPEN_SHARE / 4 * 3} THEN 'accepted'
                         WHEN r < {OPEN_SHARE / 8 * 7} THEN 'supplement_requested'
                         WHEN r < {OPEN_SHARE} THEN 'pending_decision'
                         WHEN r < 0.80 THEN 'approved'
                         WHEN r < 0.88 THEN 'rejected'
                         WHEN r < 0.94 THEN 'not_accepted'
                         ELSE 'withdrawn' END AS status
                FROM (SELECT random() + g * 0 AS r) AS draw
            ) AS pick
            CROSS JOIN LATERAL (
                SELECT CASE WHEN pick.r < {OPEN_SHARE} THEN now() - random() * interval '60 days'
                            ELSE now() - interval '20 days' - random() * interval '{YEARS} years' END AS submitted
            ) AS moment
            CROSS JOIN LATERAL (
                SELECT pick.status, moment.submitted,
                       CASE WHEN pick.r < {OPEN_SHARE} THEN NULL
                            ELSE moment.submitted + interval '1 day' + random() * interval '18 days' END AS closed
            ) AS c""")
        timings["cases"] = time.monotonic() - started
        started = time.monotonic()
        conn.execute("""
            INSERT INTO case_events (case_id, seq, action, actor_id, actor_role, from_status, to_status,
                                     public_note, internal_note, data, created_at)
            SELECT id, 1, 'submit', applicant_id, 'citizen', NULL, 'submitted', '', '', '{}'::jsonb, submitted_at
            FROM cases WHERE case_no LIKE 'YX%'""")
        timings["events"] = time.monotonic() - started
        started = time.monotonic()
        conn.execute("VACUUM ANALYZE")
        timings["vacuum analyze"] = time.monotonic() - started
        timings["cases in the database"] = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
        timings["open"] = conn.execute("SELECT count(*) FROM cases WHERE status IN "
                                       "('submitted','accepted','supplement_requested','pending_decision')").fetchone()[0]
    return timings


def sign_in(api: str, http: requests.Session, phone: str, password: str) -> dict[str, str]:
    response = http.post(f"{api}/auth/login", json={"phone": phone, "password": password}, timeout=30)
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}", "Accept-Language": "zh-CN"}


def paths(api: str, http: requests.Session) -> list[tuple[str, str, dict]]:
    citizen, officer = sign_in(api, http, *CITIZEN), sign_in(api, http, *OFFICER)
    # The demo's department has a few dozen open cases: the next page is measured at 5 per page.
    first = http.get(f"{api}/office/cases?limit=5", headers=officer, timeout=30).json()
    case_no = http.get(f"{api}/cases", headers=citizen, timeout=30).json()["items"][0]["case_no"]
    month_ago = (dt.date.today() - dt.timedelta(days=29)).isoformat()
    return [
        ("officer inbox, first page", f"{api}/office/cases", officer),
        ("officer inbox, next page (5 per page)", f"{api}/office/cases?limit=5&cursor={first['next_cursor']}",
         officer),
        ("officer inbox, overdue", f"{api}/office/cases?overdue=true", officer),
        ("my cases (citizen)", f"{api}/cases", citizen),
        ("a case (citizen)", f"{api}/cases/{case_no}", citizen),
        ("/office/stats (this month)", f"{api}/office/stats", officer),
        ("/office/stats (last 30 days)", f"{api}/office/stats?from={month_ago}", officer),
    ]


def measure(api: str, count: int) -> dict[str, tuple[float, float]]:
    results = {}
    with requests.Session() as http:
        for label, url, headers in paths(api, http):
            for _ in range(max(5, count // 10)):
                http.get(url, headers=headers, timeout=30).raise_for_status()
            times = []
            for _ in range(count):
                started = time.perf_counter()
                response = http.get(url, headers=headers, timeout=30)
                times.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
            results[label] = (statistics.median(times), percentile(times, 0.95))
            print(f"  {label}: p50 {results[label][0]:.1f} ms, p95 {results[label][1]:.1f} ms, "
                  f"load {os.getloadavg()[0]:.2f}", file=sys.stderr, flush=True)
    return results


def explain(database_url: str) -> dict[str, list[str]]:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement the inbox and the stats send, captured in-process."""
    from api import create_app

    app = create_app({"APP_ENV": "development", "DATABASE_URL": database_url, "DISPATCHER": "off", "LOG_LEVEL": "WARNING"})
    engine = app.extensions["yiwang.engine"]
    client = app.test_client()
    captured: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, *_):
        captured.append((statement, parameters))

    plans = {}
    login = client.post("/api/v1/auth/login", json={"phone": OFFICER[0], "password": OFFICER[1]}).get_json()
    headers = {"Authorization": f"Bearer {login['access_token']}"}
    for label, url in (("inbox, first page", "/api/v1/office/cases"),
                       ("inbox, overdue", "/api/v1/office/cases?overdue=true"),
                       ("stats, last 30 days",
                        f"/api/v1/office/stats?from={(dt.date.today() - dt.timedelta(days=29)).isoformat()}")):
        captured.clear()
        event.listen(engine, "before_cursor_execute", record)
        try:
            assert client.get(url, headers=headers).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", record)
        statements = [(s, p) for s, p in captured[1:] if s.lstrip().upper().startswith("SELECT")]  # not auth
        lines = []
        with engine.raw_connection() as raw:
            cursor = raw.cursor()
            for statement, parameters in statements:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                lines += [row[0] for row in cursor.fetchall()] + [""]
        plans[label] = lines
    engine.dispose()
    return plans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default=os.environ.get("SCALE_PG", PG))
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--keep", action="store_true", help="do not drop the database (to inspect it)")
    args = parser.parse_args()
    if args.quick:
        args.cases, args.requests = 50_000, 50

    name = f"yiwang_scale_{os.getpid()}"
    with psycopg.connect(admin_dsn(args.pg), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    database_url = f"{args.pg}/{name}"
    instance = Path(tempfile.mkdtemp(prefix="yiwang-scale-bench-"))
    env = {**os.environ, "DATABASE_URL": database_url, "INSTANCE_PATH": str(instance), "DISPATCHER": "off",
           "LOG_LEVEL": "WARNING", "APP_ENV": "development", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "AUTH_RATE_LIMIT": "1000 per minute"}
    server = None
    try:
        flask = [str(ROOT / ".venv/bin/flask"), "--app", "api"]
        subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
        subprocess.run([*flask, "seed-demo"], env=env, check=True, capture_output=True, cwd=ROOT)
        port = free_port()
        api = f"http://127.0.0.1:{port}/api/v1"
        server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"),
                                   "--bind", f"127.0.0.1:{port}", "api:create_app()"], cwd=ROOT, env=env,
                                  stdout=(instance / "api.log").open("w"), stderr=subprocess.STDOUT)
        wait_up(f"http://127.0.0.1:{port}/healthz")
        print("demo-sized database:", file=sys.stderr)
        small = measure(api, args.requests)
        print(f"filling to {args.cases:,} cases ...", file=sys.stderr, flush=True)
        started = time.monotonic()
        timings = fill(admin_dsn(args.pg, name), args.cases)
        fill_seconds = time.monotonic() - started
        print(f"filled in {fill_seconds:.0f} s: {timings}", file=sys.stderr, flush=True)
        print("full database:", file=sys.stderr)
        large = measure(api, args.requests)
        plans = explain(database_url)
    finally:
        if server is not None:
            stop_all([server])
        if not args.keep:
            with psycopg.connect(admin_dsn(args.pg), autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"PostgreSQL on the same machine; {args.requests} sequential requests per path over one keep-alive "
          f"connection (gunicorn.conf.py); load average at the end {os.getloadavg()[0]:.2f}")
    print(f"fill: {timings['cases in the database']:,} cases ({timings['open']:,} open), "
          f"{fill_seconds:.0f} s in all ({', '.join(f'{k} {v:.0f} s' for k, v in timings.items() if k in ('citizens', 'cases', 'events', 'vacuum analyze'))})\n")
    print("| path | demo p50 ms | demo p95 ms | 1M p50 ms | 1M p95 ms | p95 1M / demo |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, (p50, p95) in small.items():
        big50, big95 = large[label]
        print(f"| {label} | {p50:.1f} | {p95:.1f} | {big50:.1f} | {big95:.1f} | {big95 / p95:.2f}× |")
    for label, lines in plans.items():
        print(f"\nEXPLAIN (ANALYZE, BUFFERS), {label}, at {timings['cases in the database']:,} cases:\n```")
        print("\n".join(lines).rstrip())
        print("```")


if __name__ == "__main__":
    main()
