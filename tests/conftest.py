"""Fixtures for the cross-module tests: a real Odoo server on a free port.

`make test` sets IC_TEST_DB (the database with the four modules and demo data),
IC_ADDONS_PATH, IC_DATA_DIR and IC_PYTHON; ODOO_SRC points at Odoo's source.
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


@pytest.fixture(scope="session")
def odoo_server(tmp_path_factory):
    """Start odoo-bin on a free port against the test database; yield its URL."""
    db = os.environ.get("IC_TEST_DB")
    odoo_src = os.environ.get("ODOO_SRC", "/opt/odoo18")
    if not db:
        pytest.fail("IC_TEST_DB is not set: run the tests through `make test`.")
    port = _free_port()
    log = tmp_path_factory.mktemp("odoo") / "server.log"
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
        "--workers=0",
        "--max-cron-threads=0",
        "--log-level=warn",
        f"--logfile={log}",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT)  # noqa: S603
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"Odoo exited with {proc.returncode}: {log.read_text()}")
            try:
                xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").version()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"Odoo did not answer on {url} within 120 s")
                time.sleep(0.5)
        yield {"url": url, "db": db}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
