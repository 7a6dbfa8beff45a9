"""Two real Celery worker processes (``celery -A notifications.worker worker --concurrency 1``) on the
real Redis share 1,000 deliveries in a PostgreSQL database this test creates and drops, through the real
firebase-admin SDK to the fake FCM: every notification is sent exactly once and both workers take part.

It needs PostgreSQL on 127.0.0.1:5432 (``POSTGRES_ADMIN_URL``, or the server of a PostgreSQL
``DATABASE_URL``) and Redis on 127.0.0.1:6379 (``CELERY_TEST_BROKER_URL``) in both CI passes.
"""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from celery import Celery
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from models.accounts.user import Role, User
from models.base import Base
from models.db import make_engine, make_session_factory
from models.notification import Delivery, Device
from notifications.outbox import notify
from tests.factories import wait_until

ROOT = Path(__file__).resolve().parents[2]
NOTIFICATIONS = 1_000
BROKER_URL = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/0")


def _admin_url() -> str:
    if os.environ.get("POSTGRES_ADMIN_URL"):
        return os.environ["POSTGRES_ADMIN_URL"]
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        return make_url(url).set(database="postgres").render_as_string(hide_password=False)
    return "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def postgres_url():
    """A fresh PostgreSQL database with the schema, dropped afterwards."""
    admin = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    name = f"yw_celery_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(_admin_url()).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        Base.metadata.create_all(engine)
        engine.dispose()
        yield url
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def queue():
    """A queue of this test's own on the shared Redis, deleted afterwards."""
    name = f"yiwang-test-{uuid.uuid4().hex[:10]}"
    yield name
    client = redis.Redis.from_url(BROKER_URL)
    leftovers = list(client.scan_iter(match=f"*{name}*"))  # the queue and kombu's bindings for it
    if leftovers:
        client.delete(*leftovers)
    client.close()


def _seed(url: str) -> None:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        users = [User(phone=f"1380{i:07d}", name=f"居民{i}", password_hash="-", role=Role.CITIZEN,
                      language="en" if i % 2 else "zh") for i in range(NOTIFICATIONS)]
        session.add_all(users)
        session.flush()
        session.add_all(Device(user_id=user.id, token=f"celery-device-{i:04d}", platform="android",
                               language=user.language) for i, user in enumerate(users))
        session.flush()
        for i, user in enumerate(users):
            notify(session, user, "case_approved", case_no=f"YW20261201{i:06d}", status="approved",
                   service={"zh": "个体工商户登记", "en": "Sole trader registration"})
        session.commit()
    engine.dispose()


def _start_worker(index: int, env: dict, queue: str, log_dir: Path) -> tuple[subprocess.Popen, Path]:
    log = log_dir / f"worker{index}.log"
    command = [str(Path(sys.executable).with_name("celery")), "-A", "notifications.worker", "worker",
               "--concurrency", "1", "-n", f"w{index}-{queue}@%h", "-Q", queue, "--loglevel", "INFO",
               "--without-gossip", "--without-mingle", "--without-heartbeat"]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    return process, log


@pytest.mark.slow
def test_two_celery_workers_deliver_1000_notifications_exactly_once(postgres_url, queue, fake_fcm, fcm_env,
                                                                   tmp_path):
    _seed(postgres_url)
    fake_fcm.latency = 0.005
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": postgres_url, "CELERY_BROKER_URL": BROKER_URL,
           "CELERY_QUEUE": queue, "NOTIFY_BATCH_SIZE": "25", "DISPATCHER": "celery", "LOG_LEVEL": "INFO",
           **{name: str(value) for name, value in fcm_env.items()}}
    workers = [_start_worker(i, env, queue, tmp_path) for i in (1, 2)]
    client = Celery(broker=BROKER_URL)
    try:
        for process, log in workers:
            wait_until(lambda p=process, log=log: b" ready." in log.read_bytes() or p.poll() is not None,
                       timeout=90, message=f"{log.name} to be ready")
            assert process.poll() is None, log.read_text()
        for _ in range(4):  # what the API does after commits; each worker takes one and drains the queue
            client.send_task("notifications.deliver_due", queue=queue)

        engine = make_engine(postgres_url)
        with make_session_factory(engine)() as session:
            def sent() -> int:
                session.rollback()
                return session.scalar(select(func.count(Delivery.id)).where(Delivery.status == "sent"))

            wait_until(lambda: sent() == NOTIFICATIONS, timeout=180, message="every delivery to be sent")
            statuses = collections.Counter(session.scalars(select(Delivery.status)))
            claimers = collections.Counter(claim.split(":")[1] for claim in session.scalars(select(Delivery.claimed_by)))
            attempts = set(session.scalars(select(Delivery.attempts)))
        engine.dispose()
    finally:
        for process, _ in workers:
            process.send_signal(signal.SIGTERM)
        for process, _ in workers:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        client.close()

    assert statuses == {"sent": NOTIFICATIONS} and attempts == {1}
    messages = fake_fcm.sent_messages()
    per_device = collections.Counter((m["token"], m["data"]["notification_id"]) for m in messages)
    assert len(per_device) == NOTIFICATIONS and set(per_device.values()) == {1}  # each exactly once
    assert len(claimers) == 2 and min(claimers.values()) > 0, claimers  # both worker processes took part
    english = next(m for m in messages if m["token"] == "celery-device-0001")
    assert english["notification"]["title"] == "Application approved"


def test_beat_schedules_every_periodic_task_by_its_purpose():
    from notifications import worker

    schedule = worker.celery_app.conf.beat_schedule
    assert {entry["task"] for entry in schedule.values()} == {
        "notifications.deliver_due", "notifications.recover_stuck_deliveries",
        "notifications.sync_topic_subscriptions", "notifications.scan_deadlines", "assistant.purge_conversations"}
    assert all(entry["task"] in worker.celery_app.tasks for entry in schedule.values())
    daily = schedule["scan-deadlines"]["schedule"]
    scan_at = worker.settings.DEADLINE_SCAN_AT
    assert daily.hour == {scan_at.hour} and daily.minute == {scan_at.minute}
    assert worker.celery_app.conf.timezone == worker.settings.TIMEZONE
