"""Command-line tasks: ``flask --app api seed-demo`` and the migration commands (``flask --app api db``)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import Migrate

from models.assistant.conversations import purge_old_conversations
from models.base import Base, utcnow
from models.demo import DEMO_ACCOUNTS, seed_demo
from models.policies.policy import import_policy_file
from models.settings import ROOT
from notifications.deadlines import scan_deadlines


def register_commands(app: Flask) -> None:
    Migrate(app, SimpleNamespace(metadata=Base.metadata), directory=str(ROOT / "migrations"))
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(policies_group)
    app.cli.add_command(notify_deadlines_command)
    app.cli.add_command(assistant_group)


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo departments, services, accounts and cases (idempotent)."""
    app = current_app
    with app.extensions["yiwang.sessions"]() as session:
        report = seed_demo(
            session,
            passwords=app.extensions["yiwang.passwords"],
            vault=app.extensions["yiwang.vault"],
            calendar=app.extensions["yiwang.calendar"],
        )
        app.extensions["yiwang.policy_search"].index(session)  # built now, so the first search is fast
        app.extensions["yiwang.assistant"].warm(session)  # the guides' vectors too, for the first fallback
    click.echo("Demo data: " + ", ".join(f"{name} {count}" for name, count in report.items()))
    click.echo("Demo accounts (phone / password):")
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account['role']:<10} {account['phone']} / {account['password']}  {account['name']}")


policies_group = AppGroup("policies", help="Manage published policies (政务公开).")


@policies_group.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--draft", is_flag=True, help="Import as drafts instead of publishing.")
def import_policies_command(paths: tuple[Path, ...], draft: bool) -> None:
    """Import text or Markdown files as policies; files whose text is already there are skipped."""
    created, skipped = [], []
    progress = click.progressbar(paths, label="Importing policies", item_show_func=lambda p: p.name if p else "")
    with current_app.extensions["yiwang.writer_sessions"]() as session, progress as bar:
        for path in bar:
            outcome, policy = import_policy_file(session, path, publish=not draft)
            (created if outcome == "created" else skipped).append((path, policy))
    for path, policy in created:
        click.echo(f"created  #{policy.id} {policy.title} ({len(policy.passages)} passages) <- {path}")
    for path, policy in skipped:
        click.echo(f"skipped  #{policy.id} {policy.title} (same text already imported) <- {path}")
    click.echo(f"{len(created)} created, {len(skipped)} skipped")


@policies_group.command("reindex")
def reindex_policies_command() -> None:
    """Bring the persisted policy search index up to date with the database."""
    with current_app.extensions["yiwang.sessions"]() as session:
        index = current_app.extensions["yiwang.policy_search"].index(session)
        click.echo(f"policy index: {len(index.documents())} policies, {len(index)} passages")


@click.command("notify-deadlines")
@with_appcontext
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Scan as of this local date (default: today).")
def notify_deadlines_command(day) -> None:
    """Warn officers about cases due within 1 working day and overdue ones (once per case and day)."""
    calendar = current_app.extensions["yiwang.calendar"]
    today = day.date() if day else calendar.local_date(utcnow())
    with current_app.extensions["yiwang.writer_sessions"]() as session:
        report = scan_deadlines(session, calendar, today)
    click.echo(f"Deadline scan for {today}: {report.due_soon} due soon, {report.overdue} overdue, "
               f"{report.already_warned} already warned today")


assistant_group = AppGroup("assistant", help="The assistant's stored conversations.")


@assistant_group.command("purge-conversations")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Keep this many days (default: CONVERSATION_RETENTION_DAYS, 90).")
def purge_conversations_command(days: int | None) -> None:
    """Delete conversations whose last message is older than the retention period (run daily)."""
    settings = current_app.extensions["yiwang.settings"]
    kept = days or settings.CONVERSATION_RETENTION_DAYS
    deleted = purge_old_conversations(settings, days=kept)
    click.echo(f"{deleted} conversations older than {kept} days deleted")
