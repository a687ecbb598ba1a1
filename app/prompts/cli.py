"""``flask prompts …`` commands."""

import time

import click
from flask.cli import AppGroup

from app.progress import progress, summary

from .library import load_library, seed_prompts
from .stats import recount_counters
from .syntax import PromptError

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
