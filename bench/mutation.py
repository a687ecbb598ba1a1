"""Mutation testing of the critical modules with mutmut: which changes to the code does the suite miss?

    nice -n 10 .venv/bin/python bench/mutation.py [MODULE ...] [--children 2] [--keep]

MODULE is a key of ``MODULES`` (``history/files``, ``og/params`` …); all of them by default.
Each module runs in its own scratch directory, ``.mutation/<module>/`` (git-ignored): links to
``app``, ``tests``, ``migrations`` and ``pyproject.toml`` and a ``setup.cfg`` whose ``[mutmut]``
section mutates that one module and selects the tests that exercise it. mutmut copies the
project into ``mutants/`` there and runs pytest in it; the repository itself is never written.
``--keep`` reuses the previous run's results and tests again only the mutants it did not kill.

Prints per module how many mutants were made, killed, survived, timed out or were reached by no
selected test, then every mutant not killed with its diff, marked when ``EQUIVALENT`` lists it
(each with the reason it cannot change behaviour). A mutant whose tests hang until mutmut's
timeout is caught (listed apart). Exits 1 when a mutant that is not listed there survived.
Needs mutmut (``pip install -e '.[mutation]'``), a fork-capable OS, and for the Redis tests of
``security/quotas`` TEST_REDIS_URL (they skip without it).
"""

import argparse
import configparser
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = ROOT / ".mutation"
LINKED = ("app", "tests", "migrations", "pyproject.toml", "wsgi.py")  # wsgi: tests that start flask commands

# module key -> the tests that exercise it (mutmut runs, per mutant, those of them that call its function).
MODULES = {
    "history/files": ["tests/history", "tests/privacy", "tests/datasets", "tests/ai/test_variants.py",
                      "tests/ai/test_orphans.py"],
    "og/params": ["tests/og/test_params.py", "tests/og/test_cache_key.py", "tests/og/test_http.py"],
    "security/ssrf": ["tests/security/test_ssrf.py", "tests/security/test_ssrf_fetch.py",
                      "tests/security/test_url_import.py"],
    "ai/providers/openai_models": ["tests/ai/test_openai_models.py"],
    "tracking/spool": ["tests/tracking/test_spool.py", "tests/tracking/test_sync_path.py",
                       "tests/tracking/test_outages.py", "tests/tracking/test_disk_full.py"],
    "tracking/writer": ["tests/tracking/test_writer.py", "tests/tracking/test_sync_path.py",
                        "tests/tracking/test_logger.py", "tests/tracking/test_spool.py", "tests/rollup/test_exact.py"],
    "ai/claims": ["tests/ai/test_paid_work.py", "tests/ai/test_job_control.py", "tests/ai/test_jobs.py",
                  "tests/ai/test_generate.py"],
    "security/quotas": ["tests/security/test_quotas.py", "tests/security/test_quota_counters.py",
                        "tests/security/test_generation_quota.py", "tests/security/test_tool_quota.py",
                        "tests/spend/test_budget_counters.py", "tests/ai/test_paid_work.py", "tests/ai/test_routes.py"],
    "provenance/service": ["tests/provenance", "tests/ai/test_variants.py"],
}

# mutmut's name of a mutant that cannot change what the code does -> why.
EQUIVALENT = {
    "app.history.files.x_lock_keys__mutmut_21":
        "select(2) for select(1): any statement begins the transaction that takes SQLite's write lock",
    "app.history.files.x__lock_id__mutmut_5":
        "int.from_bytes without byteorder: Python 3.11's default is \"big\", the same id",
    **{f"app.security.ssrf.x__get__mutmut_{n}":
       "a header name's case: names are case-insensitive (RFC 9110), http.client's own Host check included"
       for n in (26, 27, 38, 39)},
    **{f"app.security.ssrf.x__get__mutmut_{n}":
       "the netloc holds at most one @: a second one would make the user or password part non-empty, "
       "which checked_address refuses" for n in (31, 32, 34)},
    **{f"app.security.ssrf.x_fetch_url__mutmut_{n}":
       "a header name's case: http.client's getheader matches names case-insensitively"
       for n in (33, 34, 42, 43, 51, 52, 70, 71)},
    "app.security.ssrf.x_fetch_url__mutmut_62":
        "one byte more read past the limit: a body over it is refused the same",
    "app.security.ssrf.x_checked_address__mutmut_23":
        "the port given to getaddrinfo only fills the port of the addresses, which resolve drops",
    "app.security.ssrf.x_resolve__mutmut_3":
        "the port given to getaddrinfo only fills the port of the addresses, which resolve drops",
    "app.security.ssrf.x_resolve__mutmut_7":
        "without SOCK_STREAM each address comes once per socket type: the set keeps it once",
    **{f"app.security.ssrf.x_pinned_connection__mutmut_{n}":
       "HTTPSConnection without a context makes ssl's default one, the same as create_default_context's "
       "(certificate and host name verified)" for n in (8, 13)},
    "app.security.ssrf.xǁ_Deadlineǁ__exit____mutmut_2":
        "also checks the deadline on success and on a refusal, which the code checked an instant before",
    "app.security.ssrf.xǁ_Deadlineǁremaining__mutmut_3":
        "a deadline left at exactly 0.0 s: the timer then fires at once and the same TimeoutError follows",
    **{f"app.security.ssrf.xǁ_Deadlineǁwatch__mutmut_{n}":
       "a timer that is not a daemon: every hop's timer is cancelled on leaving it, so none outlives a fetch"
       for n in (6, 7)},
    **{f"app.tracking.spool.x__rotate__mutmut_{n}":
       "only the renamed file's time stamp: replays sort by it, and rows are written once by event id in any order"
       for n in (5, 7, 8)},
    "app.tracking.spool.x_append__mutmut_43":
        "pread of 2 bytes at the last byte's offset returns that one byte: the same test",
    "app.tracking.spool.x_pending_events__mutmut_10":
        "the file read whole instead of in chunks: the same count of lines (only the memory differs)",
    **{f"app.tracking.spool.x_read_events__mutmut_{n}":
       "the message of the ValueError caught two lines below, which nothing shows" for n in (26, 27, 28)},
    # tracking/writer and ai/claims
    "app.tracking.writer.x__insert__mutmut_3":
        "PostgreSQL's insert on SQLite too: its ON CONFLICT (id) DO NOTHING compiles the same there",
    "app.tracking.writer.x__insert__mutmut_7":
        "ON CONFLICT with no target: the id primary key is the only unique constraint of the tracking tables",
    **{f"app.tracking.writer.x_write_events__mutmut_{n}":
       "which path writes a batch (COPY, sqlite3's executemany or the portable INSERT): each stores the same rows, "
       "idempotent on the id, and returns the same count; only the speed differs" for n in (15, 21, 22, 23, 27, 28)},
    "app.tracking.writer.xǁ_Preparedǁrows__mutmut_11":
        "the row's stamp starts as \"\" instead of None: both are false, so the first stamped column converts it",
    **{f"app.ai.claims.x_claim_request__mutmut_{n}":
       "a replay's Claim: generate_images returns its stored answer before it reads the claim's job_id or created"
       for n in (50, 52, 55, 56, 66, 68, 71, 72)},
    "app.ai.claims.x_drop_attempt__mutmut_4":
        "the delete without the job id: an owner names one hold of one row (host, pid and a random part)",
    **{f"app.ai.claims.x_fingerprint__mutmut_{n}":
       "request_id (or None fields) in the fingerprint: requests compared share their request_id, and the same "
       "request has the same None fields" for n in (2, 4, 5)},
    "app.ai.claims.x_claim_request__mutmut_107":
        "the deadline met at the very instant it is read: one more poll of a tenth of a second at most",
    **{f"app.ai.claims.x_claim_request__mutmut_{n}":
       "a header name's case: names are case-insensitive (RFC 9110)" for n in (122, 123)},
    "app.ai.claims.x_begin_attempt__mutmut_4":
        "created=None for a queued job's claim: false as False is, so drop_attempt leaves the row alone",
    **{f"app.ai.claims.x_begin_attempt__mutmut_{n}":
       "the row's request.tool_name of a synchronous call: nothing reads it back (the worker reads it from the "
       "rows it queued; the record hold() adds names the tool)" for n in (21, 22, 46, 47)},
    **{f"app.ai.claims.x_hold__mutmut_{n}":
       "hold without populate_existing: the row was inserted, taken back or started by a commit just before, "
       "which expired the session, and nobody else writes its request meanwhile" for n in (4, 7, 8)},
    **{f"app.ai.claims.x_settle_job__mutmut_{n}":
       "the second UPDATE also on a job that is not cancelled: the first already ended its lease and reservation"
       for n in (26, 28, 31)},
    # security/quotas
    "app.security.quotas.xǁLimitReachedǁ__init____mutmut_1":
        "LimitReached's message: every one is caught (reserve, reserve_generation) and raised again from None "
        "as a QuotaExceeded or a 429 that say their own",
    "app.security.quotas.xǁQuotasǁ_reserve_in_redis__mutmut_25":
        "zip without strict: a Counted's two keys and its rebuild's two values are always of one length",
    **{f"app.security.quotas.xǁReservationǁrelease__mutmut_{n}":
       "zip without strict: the keys come in (units, cost) pairs, so both halves are of one length"
       for n in (4, 7, 12)},
}

STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 36: "timeout",
          -24: "timeout", 24: "timeout", 152: "timeout", 255: "timeout"}
COLUMNS = ("mutants", "killed", "survived", "timeout", "no tests", "other")


def prepare(module, keep):
    """The module's scratch directory, with mutmut's configuration; emptied first unless ``keep``."""
    work = SCRATCH / module.replace("/", "-")
    if work.exists() and not keep:
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    for name in LINKED:
        link = work / name
        if not link.is_symlink():
            link.symlink_to(ROOT / name)
    config = configparser.ConfigParser()
    config["mutmut"] = {
        "source_paths": "app",
        "only_mutate": f"app/{module}.py",
        "also_copy": "migrations\nwsgi.py",
        "pytest_add_cli_args_test_selection": "\n".join(MODULES[module]),
        "pytest_add_cli_args": "\n".join(["-p", "no:cacheprovider", "-p", "no:xdist"]),
        "use_git_change_detection": "false",
        # Each mutant forks from a server that only collected the tests, not from the process whose stats run
        # filled the app's caches: a cache filled there would answer for the mutated code.
        "process_isolation": "forkserver",
    }
    with open(work / "setup.cfg", "w") as handle:
        config.write(handle)
    return work


def run_mutmut(work, children, names=()):
    mutmut = Path(sys.executable).parent / "mutmut"
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    with open(work / "mutmut.log", "w") as log:  # its spinner and pytest's output; shown when it fails
        code = subprocess.run(["nice", "-n", "10", str(mutmut), "run", "--max-children", str(children), *names],
                              cwd=work, env=environment, stdout=log, stderr=subprocess.STDOUT).returncode
    if code:
        print((work / "mutmut.log").read_text()[-3000:])
    return code


def results(work, module):
    """{mutant name: status} from mutmut's record of the module."""
    meta = work / "mutants" / "app" / f"{module}.py.meta"
    if not meta.exists():
        return None
    codes = json.loads(meta.read_text())["exit_code_by_key"]
    return {name: STATUS.get(code, "other") for name, code in codes.items()}


def diff(work, name):
    mutmut = Path(sys.executable).parent / "mutmut"
    shown = subprocess.run([str(mutmut), "show", name], cwd=work, capture_output=True, text=True)
    lines = shown.stdout.splitlines()
    return "\n".join(line for line in lines if line.startswith(("-", "+")) and not line.startswith(("---", "+++")))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("modules", nargs="*", help=f"of {', '.join(MODULES)} (default: all)")
    parser.add_argument("--children", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--keep", action="store_true", help="test again only what the previous run did not kill")
    args = parser.parse_args(argv)
    unknown = [name for name in args.modules if name not in MODULES]
    if unknown:
        parser.error(f"unknown module {', '.join(unknown)}; choose from {', '.join(MODULES)}")

    table, unexplained, listed, hung = [], [], [], []
    for module in args.modules or MODULES:
        work = prepare(module, args.keep)
        earlier = results(work, module) if args.keep else None
        # Kept: mutmut lets earlier verdicts stand, so the mutants not killed then are named to be tested again.
        again = sorted(name for name, status in (earlier or {}).items() if status != "killed")
        if earlier is not None and not again:
            print(f"== {module}: every mutant was killed in the kept run")
            code = 0
        else:
            print(f"== {module}: mutmut over {' '.join(MODULES[module])}", flush=True)
            code = run_mutmut(work, args.children, again)
        found = results(work, module)
        if found is not None and earlier:
            # A changed test selection makes mutmut forget every verdict; the earlier kills stand (tests are only added).
            found = {**earlier, **{name: found.get(name, "other") for name in again}}
        if found is None:
            print(f"mutmut made no result for {module} (exit {code})")
            unexplained.append((module, f"mutmut failed (exit {code})", ""))
            continue
        counts = {column: 0 for column in COLUMNS}
        counts["mutants"] = len(found)
        for name, status in sorted(found.items()):
            counts[status] += 1
            if status != "killed":
                entry = (name, status, diff(work, name))
                # A mutant that makes its tests hang is caught too: the suite would never pass.
                (listed if name in EQUIVALENT else hung if status == "timeout" else unexplained).append(entry)
        table.append((module, counts))

    print("\n| module | " + " | ".join(COLUMNS) + " |")
    print("| --- " * (len(COLUMNS) + 1) + "|")
    for module, counts in table:
        print(f"| {module} | " + " | ".join(str(counts[column]) for column in COLUMNS) + " |")
    for title, entries in (("Equivalent (cannot change behaviour)", listed),
                           ("Caught by a hang (mutmut's timeout)", hung), ("Not killed", unexplained)):
        if entries:
            print(f"\n{title}: {len(entries)}")
        for name, status, change in entries:
            reason = EQUIVALENT.get(name)
            print(f"\n{name} [{status}]" + (f" — {reason}" if reason else ""))
            if change:
                print("    " + change.replace("\n", "\n    "))
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
