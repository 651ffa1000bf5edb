"""Helpers for the benchmarks: an Odoo environment on the bench database, a
query counter, and a printer. A benchmark runs in one transaction that is
rolled back at the end, or, when it commits as requests do, in a throw-away
copy of the database (copy_env): the bench databases are never changed.

Run through `make bench` (scripts/bench.sh), which prepares the databases and
sets IC_BENCH_DB, IC_BENCH_PLAIN_DB, IC_ADDONS_PATH and ODOO_SRC.
"""

import contextlib
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import mean, median

import odoo
from odoo.tools import SQL, config

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from odoo_server import odoo_server as _odoo_server  # noqa: E402


def init_odoo():
    config.parse_config(
        [
            "--addons-path=%s" % os.environ["IC_ADDONS_PATH"],
            "--log-level=warn",
            "--data-dir=%s" % os.environ.get("IC_DATA_DIR", ".odoo-data"),
        ]
    )


@contextlib.contextmanager
def bench_env(dbname=None, plain=False):
    """Yield a superuser environment on the bench database, rolled back after."""
    dbname = dbname or os.environ["IC_BENCH_PLAIN_DB" if plain else "IC_BENCH_DB"]
    registry = odoo.modules.registry.Registry(dbname)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        try:
            yield env
        finally:
            cr.rollback()


@contextlib.contextmanager
def copy_env(template, suffix):
    """A superuser environment on a throw-away copy of the database
    ``template`` (:func:`database_copy`), for the benches that commit as
    requests do; the copy is closed and dropped after. The template's
    pooled connections (an earlier bench's) are closed first: createdb
    copies no database that has a session."""
    odoo.modules.registry.Registry.delete(template)
    odoo.sql_db.close_db(template)
    with database_copy(template, suffix) as dbname:
        registry = odoo.modules.registry.Registry(dbname)
        try:
            with registry.cursor() as cr:
                yield odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        finally:
            # Close the copy's connections, so that it can be dropped.
            odoo.modules.registry.Registry.delete(dbname)
            odoo.sql_db.close_db(dbname)


def vacuum_analyze(env, tables=()):
    """Commit, then VACUUM ANALYZE ``tables`` (the whole database when
    empty), as autovacuum does on a live database: fresh planner statistics
    and the visibility map that index-only scans need. VACUUM runs outside a
    transaction."""
    cr = env.cr
    cr.commit()
    cr._cnx.autocommit = True
    try:
        if not tables:
            cr.execute("VACUUM ANALYZE")
        for table in tables:
            cr.execute(SQL("VACUUM ANALYZE %s", SQL.identifier(table)))
    finally:
        cr._cnx.autocommit = False


def backend_cpu_ns(env):
    """A function returning the CPU time (ns) that the PostgreSQL backend of
    ``env``'s cursor has run so far, read from Linux's
    ``/proc/<pid>/schedstat`` (the server runs on this machine), or None
    where that file cannot be read."""
    env.cr.execute("SELECT pg_backend_pid()")
    path = Path(f"/proc/{env.cr.fetchone()[0]}/schedstat")
    try:
        path.read_text()
    except OSError:
        return None
    return lambda: int(path.read_text().split()[0])


def confirm_as_requests(env, documents, action, state, cpu=None):
    """Run the method ``action`` of each of ``documents`` as one request
    does: the cache empty at the start (see :func:`new_request`), everything
    flushed and committed at the end (the commit runs the chatter's
    tracking); each must reach ``state``. Return (seconds per document, the
    number of SQL queries of each), the commit included.

    ``cpu``: a list to which the CPU seconds per document are appended, this
    thread's plus the database backend's (None when the backend's cannot be
    read): unlike the elapsed time, they leave out the waits for a core
    that other processes of a shared machine hold, and the disk's."""
    cr = env.cr
    seconds, queries, cpu_ns = 0.0, [], 0
    backend = backend_cpu_ns(env) if cpu is not None else None
    for document in documents:
        new_request(env)
        # The document alone, as a request has it: within ``documents``, each
        # read would also fetch the other documents (the recordset's
        # prefetch), more of them in a larger sample.
        document = document.with_prefetch()
        before = cr.sql_log_count
        backend_start = backend() if backend else 0
        thread_start = time.thread_time_ns()
        start = time.perf_counter()
        getattr(document, action)()
        env.flush_all()
        cr.commit()
        seconds += time.perf_counter() - start
        cpu_ns += time.thread_time_ns() - thread_start
        if backend:
            cpu_ns += backend() - backend_start
        queries.append(cr.sql_log_count - before)
        assert document.state == state, (document, document.state)
    if cpu is not None:
        cpu.append(cpu_ns / 1e9 / len(documents) if backend else None)
    return seconds / len(documents), queries


def measure(env, func, *args, **kwargs):
    """Run func; return (result, number of SQL queries, seconds)."""
    env.flush_all()
    env.invalidate_all()
    cr = env.cr
    before = cr.sql_log_count
    start = time.perf_counter()
    result = func(*args, **kwargs)
    env.flush_all()
    seconds = time.perf_counter() - start
    return result, cr.sql_log_count - before, seconds


def new_request(env):
    """Flush and empty the cache as the end of one request and the start of
    the next do. Odoo's ``create`` leaves the new records' pseudo-ids
    (``NewId``) of its x2many commands in the fields to compute, where a
    request's end would drop them; within one long bench transaction they
    pile up (one per order created) and every later flush walks them, so
    they are dropped here too, outside the measured time."""
    env.flush_all()
    env.invalidate_all()
    tocompute = env.transaction.tocompute
    for field in list(tocompute):
        ids = tocompute[field]
        stale = [id_ for id_ in ids if not id_]
        if stale:
            ids.difference_update(stale)
        if not ids:
            del tocompute[field]


def load_average():
    """The 1-minute load average, as text (the machine may be shared)."""
    return "%.2f %.2f %.2f" % os.getloadavg()


def interleaved(samplers, rounds):
    """Run ``samplers`` (``{name: callable returning seconds per unit}``)
    in alternating rounds (A B A B ...), so that every side sees the same
    load on a shared machine; the side that starts alternates too.

    :return: ``{name: [seconds per unit of each round]}``
    """
    names = list(samplers)
    times = {name: [] for name in names}
    for round_ in range(rounds):
        order = names if round_ % 2 == 0 else names[::-1]
        for name in order:
            times[name].append(samplers[name]())
    return times


SIDE_BY_SIDE_HEADERS = (
    "queries plain",
    "queries addons",
    "extra",
    "ms plain (min / median)",
    "ms addons (min / median)",
    "time ratio (median of rounds)",
    "90 % interval",
    "ratio of mins",
    "CPU ms plain / addons (median)",
    "CPU ratio (median of rounds)",
)


def median_interval(values, level=0.90, resamples=2000):
    """The ``level`` bootstrap interval of the median of ``values`` (the
    rounds' ratios): how far the median could move on this machine's noise
    with as many rounds again. Seeded, so a run's figures can be repeated."""
    rng = random.Random(0)
    medians = sorted(
        median(rng.choices(values, k=len(values))) for _i in range(resamples)
    )
    tail = int(resamples * (1 - level) / 2)
    return medians[tail], medians[-tail - 1]


def side_by_side(plain, addons, rounds):
    """Run the samples of two sides (objects with ``sample()``, returning
    seconds per document, ``queries``, the counts per document, and
    ``cpu``, the CPU seconds per document of each sample, see
    :func:`confirm_as_requests`) in interleaved rounds; return the cells of
    SIDE_BY_SIDE_HEADERS: the mean queries, each side's best and median
    round, the median of the rounds' time ratios with its 90 % interval
    (:func:`median_interval`), the ratio of the best rounds, and the same
    median for the CPU time (client and database backend)."""
    times = interleaved({"plain": plain.sample, "addons": addons.sample}, rounds)
    ratios = [a / p for p, a in zip(times["plain"], times["addons"], strict=True)]
    ratio = median(ratios)
    low, high = median_interval(ratios)
    plain_min, addons_min = min(times["plain"]), min(times["addons"])
    plain_q, addons_q = mean(plain.queries), mean(addons.queries)
    cpu = list(zip(plain.cpu[-rounds:], addons.cpu[-rounds:], strict=True))
    if cpu and None not in {value for pair in cpu for value in pair}:
        cpu_cells = (
            f"{median(p for p, _a in cpu) * 1000:.1f} / "
            f"{median(a for _p, a in cpu) * 1000:.1f}",
            f"{median(a / p for p, a in cpu):.2f}",
        )
    else:
        cpu_cells = ("-", "-")
    return (
        f"{plain_q:.1f}",
        f"{addons_q:.1f}",
        f"{addons_q - plain_q:+.1f}",
        f"{plain_min * 1000:.1f} / {median(times['plain']) * 1000:.1f}",
        f"{addons_min * 1000:.1f} / {median(times['addons']) * 1000:.1f}",
        f"{ratio:.2f}",
        f"{low:.2f}-{high:.2f}",
        f"{addons_min / plain_min:.2f}",
        *cpu_cells,
    )


def report(title, rows, headers):
    """Print a table of figures (a list of tuples) under a title."""
    widths = [
        max(len(str(h)), *(len(_fmt(r[i])) for r in rows)) if rows else len(h)
        for i, h in enumerate(headers)
    ]
    print(f"\n## {title}")
    print("  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True)))
    for row in rows:
        print("  ".join(_fmt(v).ljust(w) for v, w in zip(row, widths, strict=True)))


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


@contextlib.contextmanager
def database_copy(template, suffix):
    """A throw-away copy ``<template>_<suffix>`` of a database (createdb -T:
    no connection to the template may be open), dropped with its filestore
    at the end.

    :return: a context manager yielding the copy's name
    """
    name = f"{template}_{suffix}"
    subprocess.run(["dropdb", "--if-exists", name], check=True)
    subprocess.run(["createdb", "-T", template, name], check=True)
    try:
        yield name
    finally:
        subprocess.run(["dropdb", "--if-exists", name], check=False)
        data_dir = os.environ.get("IC_DATA_DIR", str(ROOT / ".odoo-data"))
        shutil.rmtree(Path(data_dir) / "filestore" / name, ignore_errors=True)


@contextlib.contextmanager
def odoo_server(db, workers=0, extra_args=()):
    """A real odoo-bin on ``db`` (scripts/odoo_server.py: threaded, or
    prefork with ``workers``), no cron; waits until it answers.

    :return: a context manager yielding ``(url, log path)``
    """
    folder = tempfile.mkdtemp(prefix="ic_bench_server_")
    try:
        with _odoo_server(
            db,
            folder,
            os.environ["IC_ADDONS_PATH"],
            os.environ.get("IC_DATA_DIR", str(ROOT / ".odoo-data")),
            workers=workers,
            extra_args=extra_args,
        ) as server:
            yield server["url"], server["log"]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
