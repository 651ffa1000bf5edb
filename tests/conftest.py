"""Fixtures for the cross-module tests: a real Odoo server on a free port.

`make test` sets IC_TEST_DB (the database with the four modules and demo data),
IC_ADDONS_PATH, IC_DATA_DIR and IC_PYTHON; ODOO_SRC points at Odoo's source.
IC_WORKERS=n (n > 0) starts the server in prefork mode, as in production: n
HTTP workers and the gevent process that serves /websocket, on a free port
too (`make test` runs the concurrency tests a second time that way). In both
modes a traceback in the server's log or output fails the session.
"""

import os
import socket
import subprocess
import sys
import time
import xmlrpc.client
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_tracebacks(*paths):
    """The tracebacks in the server's log and output, with the line before each."""
    found = []
    for path in paths:
        lines = path.read_text(errors="replace").splitlines() if path.exists() else []
        for index, line in enumerate(lines):
            if line.startswith("Traceback (most recent call last)"):
                found.append("\n".join(lines[max(0, index - 1) : index + 30]))
    return found


@pytest.fixture(scope="session")
def odoo_server(tmp_path_factory):
    """Start odoo-bin on a free port against the test database; yield its URL.

    Yields {"url", "db", "workers", "websocket_url"}: /websocket is served by
    the gevent process on its own port in prefork mode, on the HTTP port in
    threaded mode. Fails the session if the server logged a traceback.
    """
    db = os.environ.get("IC_TEST_DB")
    odoo_src = os.environ.get("ODOO_SRC", "/opt/odoo18")
    if not db:
        pytest.fail("IC_TEST_DB is not set: run the tests through `make test`.")
    workers = int(os.environ.get("IC_WORKERS") or 0)
    port = _free_port()
    folder = tmp_path_factory.mktemp("odoo")
    log = folder / "server.log"
    output = folder / "server.out"
    cmd = [
        os.environ.get("IC_PYTHON", sys.executable),
        os.path.join(odoo_src, "odoo-bin"),
        "-c",
        str(ROOT / "odoo.conf"),
        "--addons-path",
        os.environ["IC_ADDONS_PATH"],
        "--data-dir",
        os.environ.get("IC_DATA_DIR", str(ROOT / ".odoo-data")),
        "-d",
        db,
        f"--db-filter=^{db}$",
        "--http-interface=127.0.0.1",
        f"--http-port={port}",
        f"--workers={workers}",
        "--max-cron-threads=0",
        "--log-level=warn",
        f"--logfile={log}",
    ]
    websocket_port = port
    if workers:
        websocket_port = _free_port()
        cmd.append(f"--gevent-port={websocket_port}")
    url = f"http://127.0.0.1:{port}"
    mode = f"prefork, {workers} workers" if workers else "threaded"
    with output.open("wb") as out:
        # The output catches what dies before Odoo's logging is set up (such as
        # the gevent process failing to import its dependencies).
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    deadline = time.monotonic() + 120
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"Odoo ({mode}) exited with {proc.returncode}: "
                    f"{output.read_text(errors='replace')}\n{log.read_text(errors='replace')}"
                )
            try:
                xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").version()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"Odoo ({mode}) did not answer on {url} within 120 s")
                time.sleep(0.5)
        yield {
            "url": url,
            "db": db,
            "workers": workers,
            "websocket_url": f"ws://127.0.0.1:{websocket_port}/websocket",
        }
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    tracebacks = _server_tracebacks(log, output)
    if tracebacks:
        pytest.fail(
            f"the Odoo server ({mode}) logged {len(tracebacks)} traceback(s); "
            f"the first:\n{tracebacks[0]}"
        )
