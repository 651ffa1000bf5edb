"""Instructions per confirmation, plain Odoo against the four addons.

The machine's speed swings from run to run by more than the addons' share
of a confirmation (see README, Performance), so no measure of time settles
a target of 1.10 within a few hundredths. Valgrind's callgrind counts the
instructions a process runs instead: the same for the same work whatever
the machine does (the counts of one bench run again differ by a few in
100,000). This bench counts them for both halves of a confirmation:

- Odoo's Python process runs under callgrind with instrumentation off,
  switched on only around each measured confirmation (a small C helper,
  ``cg_helper.c`` next to this file, compiled at the start, gives Python
  callgrind's client requests);
- PostgreSQL runs in a throw-away cluster whose server runs under callgrind
  (every backend writes its count when it exits); the confirmations are run
  on two fresh connections, the first doing ``WARM + MEASURED`` of them and
  the second ``WARM + 2 * MEASURED``: the difference of the two backends'
  counts is what ``MEASURED`` confirmations cost a warm backend.

Each confirmation is one request as in the other confirmation benches: the
cache empty at the start, everything flushed and committed at the end. The
documents are created beforehand on copies of the bench databases restored
into that cluster (PostgreSQL then runs without valgrind, and the copies are
vacuumed and analyzed), so that the counts are of the confirmations only.
The cases are the issue's: a sale order of distinct customers with a credit
limit and no rule hit, the same for one customer, and a purchase order on a
confirmed budget after 100 confirmed orders.

Instructions are not time: they leave out the waits for memory, the disk
and the network, and the commit's flush to disk. They are what the code
itself costs, and the one measure here that repeats.

Needs valgrind (with its headers, valgrind/callgrind.h), gcc and
PostgreSQL's server binaries; skipped without them. Takes about 10 minutes.
"""

import contextlib
import ctypes
import gc
import getpass
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import mean, median

from bench_budget import _po, _setup
from bench_credit import _product
from common import init_odoo, new_request, report

import odoo
from odoo import Command

HERE = Path(__file__).resolve().parent
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PORT = 5499
WARM = 3
MEASURED = 10
CASES = {
    "sale, distinct customers": "sale_distinct",
    "sale, one customer": "sale_shared",
    "purchase on a budget, after 100 orders": "purchase_budget",
}
HISTORY = 100


def _cases():
    """The cases to run: ``BENCH_CG_CASES`` (comma-separated names such as
    sale_distinct), all by default."""
    wanted = os.environ.get("BENCH_CG_CASES")
    if not wanted:
        return CASES
    names = wanted.split(",")
    return {title: case for title, case in CASES.items() if case in names}


def _missing():
    """What this bench needs and the machine lacks, or None."""
    if not shutil.which("valgrind"):
        return "valgrind"
    if not shutil.which("gcc"):
        return "gcc"
    if not Path("/usr/include/valgrind/callgrind.h").exists():
        return "valgrind's headers (valgrind/callgrind.h)"
    if not (PG_BIN / "postgres").exists():
        return f"PostgreSQL's server ({PG_BIN}/postgres)"
    return None


def _helper(folder):
    """Compile the client-request helper into ``folder``; return its path."""
    library = Path(folder) / "cg_helper.so"
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-O1", "-o", library, HERE / "cg_helper.c"],
        check=True,
    )
    return library


# --- the throw-away cluster -------------------------------------------------


class _Cluster:
    """A PostgreSQL cluster in a temporary folder, its superuser named as
    the current user; started plainly or under callgrind. As root, the
    server runs as the ``postgres`` user (PostgreSQL refuses root)."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.data = self.folder / "data"
        self.socket = self.folder / "socket"
        self.out = self.folder / "callgrind"
        self.user = getpass.getuser()
        self.as_postgres = os.geteuid() == 0
        self.process = None
        for path in (self.socket, self.out):
            path.mkdir(parents=True)
        if self.as_postgres:
            shutil.chown(self.folder, "postgres")
            for path in (self.socket, self.out):
                shutil.chown(path, "postgres")
        self._run([PG_BIN / "initdb", "-D", self.data, "-A", "trust", "-U", self.user])

    def _command(self, command):
        if self.as_postgres:
            return ["runuser", "-u", "postgres", "--", *map(str, command)]
        return list(map(str, command))

    def _run(self, command):
        subprocess.run(self._command(command), check=True, stdout=subprocess.DEVNULL)

    def start(self, callgrind=False):
        command = [
            PG_BIN / "postgres",
            "-D", self.data,
            "-p", str(PORT),
            "-k", self.socket,
            "-c", "listen_addresses=",
            # No background work that changes what a backend finds (the
            # copies are vacuumed and analyzed by the bench), no JIT.
            "-c", "autovacuum=off",
            "-c", "jit=off",
            "-c", "fsync=off",
        ]  # fmt: skip
        if callgrind:
            command = [
                "valgrind",
                "--tool=callgrind",
                "--trace-children=yes",
                f"--callgrind-out-file={self.out}/pg.%p",
                *command,
            ]
        self.process = subprocess.Popen(
            self._command(command),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _i in range(600):
            ready = subprocess.run(
                [PG_BIN / "pg_isready", "-q", "-h", self.socket, "-p", str(PORT)],
                check=False,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError("the bench's PostgreSQL cluster did not start")

    def stop(self):
        if self.process:
            self._run([PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"])
            self.process.wait()
            self.process = None

    def psql(self, *args):
        return subprocess.run(
            ["psql", "-h", self.socket, "-p", str(PORT), "-d", "postgres", *args],
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def backend_instructions(self, pid, timeout=120):
        """The instructions the backend ``pid`` ran, once it has exited and
        callgrind has written its count."""
        path = self.out / f"pg.{pid}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not Path(f"/proc/{pid}").exists() and path.exists():
                for line in path.read_text().splitlines():
                    if line.startswith("totals:"):
                        return int(line.split()[1])
            time.sleep(0.2)
        raise RuntimeError(f"no callgrind count for backend {pid}")


@contextlib.contextmanager
def _cluster():
    folder = tempfile.mkdtemp(prefix="ic_bench_cg_")
    cluster = _Cluster(folder)
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


# --- the measured process ---------------------------------------------------


def _odoo_on(cluster_socket):
    init_odoo()
    odoo.tools.config["db_host"] = str(cluster_socket)
    odoo.tools.config["db_port"] = PORT


def _prepare(case, plain, dbname, socket):
    """Create the case's documents in ``dbname`` (committed), confirm its
    history and one warm-up document; return the ids to confirm."""
    _odoo_on(socket)
    count = 2 * WARM + 3 * MEASURED
    registry = odoo.modules.registry.Registry(dbname)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        if case.startswith("sale"):
            product = _product(env)
            partners = env["res.partner"].create(
                [{"name": f"Bench Instructions {i}"} for i in range(count + 1)]
            )
            if not plain:
                partners.write({"credit_limit": 1e9})
            shared = case == "sale_shared"
            orders = env["sale.order"].create(
                [
                    {
                        "partner_id": partners[0 if shared else i].id,
                        "order_line": [
                            Command.create(
                                {"product_id": product.id, "price_unit": 10.0 + i}
                            )
                        ],
                    }
                    for i in range(count + 1)
                ]
            )
            orders[:1].action_confirm()
            ids = orders[1:].ids
        else:
            account, vendor, product, _budget = _setup(env, with_budget=not plain)
            history = env["purchase.order"].concat(
                *(_po(env, account, vendor, product) for _i in range(HISTORY))
            )
            history.button_confirm()
            ids = [_po(env, account, vendor, product).id for _i in range(count)]
        cr.commit()
    return ids


def _measure(case, dbname, socket, ids, library):
    """Confirm ``ids`` on two fresh connections (``WARM + MEASURED``, then
    ``WARM + 2 * MEASURED``), one request each; return the instructions of
    this process for each measured confirmation (callgrind's dumps), the
    backends' pids and the queries of each measured confirmation."""
    _odoo_on(socket)
    helper = ctypes.CDLL(str(library))
    if not helper.cg_running():
        raise RuntimeError("the measured process is not running under valgrind")
    model, action, state = (
        ("sale.order", "action_confirm", "sale")
        if case.startswith("sale")
        else ("purchase.order", "button_confirm", "purchase")
    )
    registry = odoo.modules.registry.Registry(dbname)
    odoo.sql_db.close_db(dbname)  # the registry's loading connection
    pids, queries = [], []
    helper.cg_start()
    start = 0
    for measured in (MEASURED, 2 * MEASURED):
        batch = ids[start : start + WARM + measured]
        start += len(batch)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            cr.execute("SELECT pg_backend_pid()")
            pids.append(cr.fetchone()[0])
            for position, record_id in enumerate(batch):
                new_request(env)
                # One document, as a request has: browsing the batch would
                # make every read prefetch the batch's other documents.
                record = env[model].browse(record_id)
                # Every confirmation starts with the collector's young
                # generations empty, so that its count does not carry the
                # collections that earlier ones' garbage makes it run.
                gc.collect()
                counted = position >= WARM
                before = cr.sql_log_count
                if counted:
                    helper.cg_zero()
                    helper.cg_toggle()
                getattr(record, action)()
                env.flush_all()
                cr.commit()
                if counted:
                    helper.cg_toggle()
                    helper.cg_dump(b"confirmation")
                    queries.append(cr.sql_log_count - before)
                assert record.state == state, (record, record.state)
        odoo.sql_db.close_db(dbname)
    return {"pids": pids, "queries": queries}


def _dumps(folder):
    """The instructions of each dump of the measured process, in order."""
    counts = []
    for path in sorted(
        Path(folder).glob("py.out.*"), key=lambda p: int(p.suffix.lstrip("."))
    ):
        for line in path.read_text().splitlines():
            if line.startswith("totals:"):
                counts.append(int(line.split()[1]))
    return counts


# --- the orchestration ------------------------------------------------------


def _child(mode, *args, valgrind_out=None):
    command = [sys.executable, __file__, mode, *map(str, args)]
    if valgrind_out:
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            "--collect-atstart=no",
            f"--callgrind-out-file={valgrind_out}/py.out",
            *command,
        ]
    env = dict(os.environ, PYTHONHASHSEED="0")
    result = subprocess.run(
        command, check=False, capture_output=True, text=True, env=env
    )
    if result.returncode:
        sys.stderr.write(result.stderr[-5000:])
        raise RuntimeError(f"{mode} {args[0]} failed ({result.returncode})")
    return json.loads(result.stdout.strip().splitlines()[-1])


def bench_instructions():
    missing = _missing()
    if missing:
        print(f"\nbench_instructions skipped: this machine has no {missing}")
        return
    rows = []
    with _cluster() as cluster:
        library = _helper(cluster.folder)
        cluster.start()
        # The bench databases, restored into the cluster (pg_dump, as the
        # cluster is not the one they live in), then one copy per case and
        # side, documents created, vacuumed and analyzed.
        sources = {
            True: os.environ["IC_BENCH_PLAIN_DB"],
            False: os.environ["IC_BENCH_DB"],
        }
        data_dir = Path(os.environ.get("IC_DATA_DIR", ".odoo-data")) / "filestore"
        copies, ids = {}, {}
        for plain, source in sources.items():
            target = f"ic_cg_{'plain' if plain else 'addons'}"
            cluster.psql("-c", f'CREATE DATABASE "{target}"')
            dump = subprocess.Popen(["pg_dump", "-Fc", source], stdout=subprocess.PIPE)
            subprocess.run(
                [
                    "pg_restore", "--no-owner", "-h", cluster.socket,
                    "-p", str(PORT), "-d", target,
                ],
                stdin=dump.stdout,
                check=True,
            )  # fmt: skip
            dump.wait()
            for case in _cases().values():
                name = f"{target}_{case}"
                cluster.psql(
                    "-c",
                    f'CREATE DATABASE "{name}" TEMPLATE "{target}" STRATEGY FILE_COPY',
                )
                if (data_dir / source).exists():
                    shutil.copytree(data_dir / source, data_dir / name)
                copies[case, plain] = name
                ids[case, plain] = _child(
                    "prepare", case, int(plain), name, cluster.socket
                )
                subprocess.run(
                    [
                        "vacuumdb", "-q", "-z", "-h", cluster.socket,
                        "-p", str(PORT), name,
                    ],
                    check=True,
                )  # fmt: skip
        cluster.stop()
        cluster.start(callgrind=True)
        try:
            for title, case in _cases().items():
                figures = {}
                for plain in (True, False):
                    out = Path(tempfile.mkdtemp(prefix="ic_bench_cg_py_"))
                    try:
                        result = _child(
                            "measure",
                            case,
                            copies[case, plain],
                            cluster.socket,
                            json.dumps(ids[case, plain]),
                            library,
                            valgrind_out=out,
                        )
                        python = _dumps(out)
                    finally:
                        if os.environ.get("BENCH_CG_KEEP"):
                            # Every dump and the two backends' counts, for
                            # callgrind_annotate.
                            keep = Path(os.environ["BENCH_CG_KEEP"]) / (
                                f"{case}_{'plain' if plain else 'addons'}"
                            )
                            shutil.rmtree(keep, ignore_errors=True)
                            shutil.copytree(out, keep)
                        shutil.rmtree(out, ignore_errors=True)
                    first, second = (
                        cluster.backend_instructions(pid) for pid in result["pids"]
                    )
                    if os.environ.get("BENCH_CG_KEEP"):
                        for pid in result["pids"]:
                            shutil.copy(cluster.out / f"pg.{pid}", keep)
                    figures[plain] = (
                        median(python),
                        mean(python),
                        (second - first) / MEASURED,
                        mean(result["queries"]),
                    )
                rows.append(_row(title, figures))
        finally:
            for name in copies.values():
                shutil.rmtree(data_dir / name, ignore_errors=True)
    report(
        "Instructions per sale or purchase confirmation (valgrind's callgrind, "
        f"millions; Odoo's process: median of {3 * MEASURED} confirmations, "
        f"PostgreSQL's backend: mean of {MEASURED} on a warm connection), "
        "plain Odoo vs the four addons",
        rows,
        (
            "confirmation",
            "queries plain / addons",
            "Odoo plain / addons",
            "ratio",
            "PostgreSQL plain / addons",
            "ratio",
            "both plain / addons",
            "ratio",
        ),
    )


def _row(title, figures):
    plain, addons = figures[True], figures[False]
    both_plain, both_addons = plain[0] + plain[2], addons[0] + addons[2]
    return (
        title,
        f"{plain[3]:.1f} / {addons[3]:.1f}",
        f"{plain[0] / 1e6:.2f} / {addons[0] / 1e6:.2f}",
        f"{addons[0] / plain[0]:.3f}",
        f"{plain[2] / 1e6:.2f} / {addons[2] / 1e6:.2f}",
        f"{addons[2] / plain[2]:.3f}",
        f"{both_plain / 1e6:.2f} / {both_addons / 1e6:.2f}",
        f"{both_addons / both_plain:.3f}",
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["prepare"]:
        case, plain, dbname, socket = sys.argv[2:6]
        print(json.dumps(_prepare(case, plain == "1", dbname, socket)))
    elif sys.argv[1:2] == ["measure"]:
        case, dbname, socket, ids, library = sys.argv[2:7]
        print(json.dumps(_measure(case, dbname, socket, json.loads(ids), library)))
    else:
        bench_instructions()
