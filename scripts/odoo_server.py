"""A real odoo-bin on a free local port, for the XML-RPC tests
(tests/conftest.py) and the benchmarks (bench/common.py).

ODOO_SRC points at Odoo's source (/opt/odoo18 by default); the addons path
and the data directory are arguments.
"""

import contextlib
import os
import socket
import subprocess
import sys
import time
import xmlrpc.client
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def odoo_server(
    db, folder, addons_path, data_dir, workers=0, python=None, extra_args=()
):
    """Start odoo-bin on ``db`` (threaded, or prefork with ``workers`` HTTP
    workers and the gevent process on a port of its own), no cron, its log
    and output in ``folder``; wait until it answers XML-RPC, stop it at the
    end.

    :raise RuntimeError: when it exits or does not answer within 120 s
    :return: a context manager yielding ``{"url", "websocket_url", "log",
        "output"}`` (/websocket on the HTTP port in threaded mode)
    """
    folder = Path(folder)
    port = free_port()
    log = folder / "server.log"
    output = folder / "server.out"
    websocket_port = free_port() if workers else port
    cmd = [
        python or sys.executable,
        os.path.join(os.environ.get("ODOO_SRC", "/opt/odoo18"), "odoo-bin"),
        "-c",
        str(ROOT / "odoo.conf"),
        "--addons-path",
        addons_path,
        "--data-dir",
        data_dir,
        "-d",
        db,
        f"--db-filter=^{db}$",
        "--http-interface=127.0.0.1",
        f"--http-port={port}",
        f"--workers={workers}",
        "--max-cron-threads=0",
        "--log-level=warn",
        f"--logfile={log}",
        *([f"--gevent-port={websocket_port}"] if workers else []),
        *extra_args,
    ]
    url = f"http://127.0.0.1:{port}"
    mode = f"prefork, {workers} workers" if workers else "threaded"
    with output.open("wb") as out:
        # The output catches what dies before Odoo's logging is set up (such
        # as the gevent process failing to import its dependencies).
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"Odoo ({mode}) exited with {proc.returncode}: "
                    f"{output.read_text(errors='replace')[-4000:]}\n"
                    f"{log.read_text(errors='replace')[-4000:] if log.exists() else ''}"
                )
            try:
                xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").version()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"Odoo ({mode}) did not answer on {url} within 120 s"
                    ) from None
                time.sleep(0.5)
        yield {
            "url": url,
            "websocket_url": f"ws://127.0.0.1:{websocket_port}/websocket",
            "log": log,
            "output": output,
        }
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
