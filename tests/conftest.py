"""Fixtures for the cross-module tests: a real Odoo server on a free port.

`make test` sets IC_TEST_DB (the database with the four modules and demo data),
IC_ADDONS_PATH, IC_DATA_DIR and IC_PYTHON; ODOO_SRC points at Odoo's source.
IC_WORKERS=n (n > 0) starts the server in prefork mode, as in production: n
HTTP workers and the gevent process that serves /websocket, on a free port
too (`make test` runs the concurrency tests a second time that way). In both
modes a traceback in the server's log or output fails the session.
"""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from odoo_server import odoo_server as odoo_server_process  # noqa: E402


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

    Yields {"url", "db", "workers", "websocket_url", "log"}: /websocket is
    served by the gevent process on its own port in prefork mode, on the
    HTTP port in threaded mode; the log (a path) has Odoo's retries of
    serialization failures. Fails the session if the server logged a
    traceback.
    """
    db = os.environ.get("IC_TEST_DB")
    if not db:
        pytest.fail("IC_TEST_DB is not set: run the tests through `make test`.")
    workers = int(os.environ.get("IC_WORKERS") or 0)
    folder = tmp_path_factory.mktemp("odoo")
    mode = f"prefork, {workers} workers" if workers else "threaded"
    try:
        with odoo_server_process(
            db,
            folder,
            os.environ["IC_ADDONS_PATH"],
            os.environ.get("IC_DATA_DIR", str(ROOT / ".odoo-data")),
            workers=workers,
            python=os.environ.get("IC_PYTHON", sys.executable),
            # Odoo's retries of serialization failures, counted by tests.
            extra_args=("--log-handler=odoo.service.model:INFO",),
        ) as server:
            yield {
                "url": server["url"],
                "db": db,
                "workers": workers,
                "websocket_url": server["websocket_url"],
                "log": server["log"],
            }
    except RuntimeError as error:  # the server did not start
        pytest.fail(str(error))
    tracebacks = _server_tracebacks(folder / "server.log", folder / "server.out")
    if tracebacks:
        pytest.fail(
            f"the Odoo server ({mode}) logged {len(tracebacks)} traceback(s); "
            f"the first:\n{tracebacks[0]}"
        )
