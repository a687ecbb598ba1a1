"""``flask prompts …`` commands."""

import getpass
import time

import click
from flask.cli import AppGroup

from app.auth import Principal
from app.progress import progress, summary

from . import labels
from .library import load_library, seed_prompts
from .stats import recount_counters
from .syntax import PromptError
from .templates import MAX_VERSION

cli = AppGroup("prompts", help="Prompt templates.")


@cli.command("seed")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False),
              help="A library file (default: app/prompts/data/templates.json).")
@click.option("--no-update", is_flag=True, help="Only insert missing templates; leave existing ones as they are.")
def seed(path, no_update):
    """Load the template library: insert new templates, update changed ones (idempotent)."""
    started = time.monotonic()
    try:
        entries = load_library(path)
        with progress("seeding prompts", len(entries)) as advance:
            result = seed_prompts(update=not no_update, on_progress=advance, entries=entries)
    except (ValueError, PromptError) as error:
        raise click.ClickException(str(error)) from error
    for state in ("created", "updated"):
        for prompt_id in result[state]:
            click.echo(f"{state} {prompt_id}")
    summary(", ".join(f"{len(ids)} {state}" for state, ids in result.items()), started)


@cli.command("recount")
def recount():
    """Recompute usage_count and success_count of every template from its prompt_usage rows."""
    drifted = recount_counters()
    for prompt_id, (old_used, old_ok), (used, ok) in drifted:
        click.echo(f"{prompt_id}: usage {old_used} -> {used}, success {old_ok} -> {ok}")
    click.echo(f"{len(drifted)} template(s) corrected")


@cli.command("label")
@click.argument("prompt_id")
@click.argument("label")
@click.argument("version", type=click.IntRange(1, MAX_VERSION), required=False)
@click.option("--remove", is_flag=True, help="Take the label off its version instead.")
@click.option("--by", "actor", default=None, help="Who moves it, for the record (default: the system user).")
def label(prompt_id, label, version, remove, actor):
    """Point LABEL of a template at VERSION (or --remove it); recorded like a move over the API."""
    if (version is None) != remove:
        raise click.UsageError("give a VERSION, or --remove")
    principal = Principal(None, actor or f"cli:{getpass.getuser()}", None, True)
    try:
        if remove:
            move = labels.remove_label(prompt_id, label, principal)
        else:
            move = labels.move_label(prompt_id, label, version, principal)
    except PromptError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{prompt_id} {label}: {_shown(move.from_version)} -> {_shown(move.to_version)}")


@cli.command("labels")
@click.argument("prompt_id")
@click.option("--history", "limit", type=click.IntRange(0, labels.MAX_HISTORY), default=10, show_default=True,
              help="How many recorded moves to show.")
def list_labels(prompt_id, limit):
    """A template's labels with their versions, and the latest moves."""
    try:
        current = labels.list_labels(prompt_id)
        moves = labels.label_history(prompt_id, limit=limit) if limit else []
    except PromptError as error:
        raise click.ClickException(str(error)) from error
    for item in current:
        click.echo(f"{item['label']}\tv{item['version']}" + ("\t(automatic)" if item["is_automatic"] else ""))
    for move in moves:
        click.echo(f"{move.moved_at:%Y-%m-%d %H:%M:%S} {move.moved_by_name or '?'} moved {move.label}: "
                   f"{_shown(move.from_version)} -> {_shown(move.to_version)}")


def _shown(version):
    return "-" if version is None else f"v{version}"
