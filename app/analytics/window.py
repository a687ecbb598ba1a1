"""The time window a report covers, from a request's ``window`` / ``since`` / ``until``."""

from app.models.types import utcnow


def resolve_window(args, default):
    """(since, until): ``until`` defaults to now; ``since`` is the later of ``since`` and ``until`` minus
    ``window`` (each narrows the window, as filters do), ``until`` minus ``default`` when neither is given.

    A ``since`` at or after ``until`` is an empty window, answered as one (since = until): a report
    over no time has no rows, which is what a client stepping a window across its data expects at the
    edge; swapping the two would answer a window the client did not ask for.
    """
    until = args.get("until") or utcnow()
    starts = [start for start in (args.get("since"), args.get("window") and until - args["window"]) if start]
    since = max(starts) if starts else until - default
    return min(since, until), until
