"""Progress of long ``flask`` commands: click's bar on a terminal, silence otherwise.

Services report progress through an ``on_progress(n)`` callback they are given (they
know nothing of terminals); the command shows it with ``progress`` and ends with one
summary line from ``summary``, so a cron job's log stays machine-readable.
"""

import sys
import time
from contextlib import contextmanager

import click


def _silent(_count=1):
    pass


@contextmanager
def progress(label, total, stream=None):
    """Yield ``advance(n)``: a bar of ``total`` steps on ``stream`` (stdout) if it is a terminal."""
    stream = stream or sys.stdout
    if not total or not stream.isatty():
        yield _silent
        return
    with click.progressbar(length=total, label=label, file=stream, show_pos=True, show_eta=True) as bar:
        yield bar.update


def summary(text, started, err=False):
    """The command's last line: what it did and how long it took."""
    click.echo(f"{text} in {time.monotonic() - started:.1f}s", err=err)
