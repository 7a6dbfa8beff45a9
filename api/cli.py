"""Command-line tasks: ``flask --app api seed-demo`` and the migration commands (``flask --app api db``)."""

from __future__ import annotations

from types import SimpleNamespace

import click
from flask import Flask, current_app
from flask_migrate import Migrate

from api.config import ROOT
from models.base import Base
from models.demo import DEMO_ACCOUNTS, seed_demo


def register_commands(app: Flask) -> None:
    Migrate(app, SimpleNamespace(metadata=Base.metadata), directory=str(ROOT / "migrations"))
    app.cli.add_command(seed_demo_command)


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
    click.echo("Demo data: " + ", ".join(f"{name} {count}" for name, count in report.items()))
    click.echo("Demo accounts (phone / password):")
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account['role']:<10} {account['phone']} / {account['password']}  {account['name']}")
