"""Throughput of sale confirmations under parallel load, in prefork mode.

For plain Odoo (sale_management, purchase, account) and for the four addons,
a server is started with ``--workers=WORKERS`` (and its gevent process) on a
throw-away copy of the bench database, and CLIENTS parallel XML-RPC clients
confirm ORDERS_PER_CLIENT orders each, one ``action_confirm`` per request:

1. orders of distinct customers (each with a credit limit with the addons):
   orders per second, addons against plain;
2. orders of one shared customer: the credit check serializes them by design
   (a write lock on the customer; the second transaction fails with a
   serialization error and Odoo retries the request). Every request must
   complete: the failures and the retries (from the server's log) are
   printed.

Run through ``make bench`` (scripts/bench.sh). The copies are dropped at the
end; the bench databases are not changed.
"""

import os
import sys
import threading
import time
import xmlrpc.client
from contextlib import contextmanager

from common import database_copy, odoo_server, report

WORKERS = int(os.environ.get("BENCH_WORKERS", 4))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", 8))
ORDERS_PER_CLIENT = int(os.environ.get("BENCH_ORDERS_PER_CLIENT", 10))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 2))
PASSWORD = "admin"


def _server(db):
    """odoo-bin in prefork mode on a free port; yields (url, log path)."""
    # the retries of serialization failures are logged at INFO
    return odoo_server(
        db, workers=WORKERS, extra_args=("--log-handler=odoo.service.model:INFO",)
    )


class Client:
    """One XML-RPC connection (a ServerProxy per thread)."""

    def __init__(self, url, db, uid):
        self.db, self.uid = db, uid
        self.proxy = xmlrpc.client.ServerProxy(
            f"{url}/xmlrpc/2/object", allow_none=True
        )

    def __call__(self, model, method, *args, **kwargs):
        return self.proxy.execute_kw(
            self.db, self.uid, PASSWORD, model, method, list(args), kwargs
        )


def _prepare(call, shared, with_limit):
    """Orders to confirm, one list per client."""
    stamp = time.time_ns()
    product = call(
        "product.product",
        "create",
        {
            "name": f"Throughput Product {stamp}",
            "type": "consu",
            "list_price": 10.0,
            "invoice_policy": "order",
            "taxes_id": [(5, 0, 0)],
        },
    )
    count = 1 if shared else CLIENTS * ORDERS_PER_CLIENT
    partner_vals = [
        {"name": f"Throughput Customer {stamp} {i}", "is_company": True}
        for i in range(count)
    ]
    if with_limit:
        for vals in partner_vals:
            vals["credit_limit"] = 1e9
    partners = call("res.partner", "create", partner_vals)
    orders = call(
        "sale.order",
        "create",
        [
            {
                "partner_id": partners[0 if shared else i],
                "order_line": [(0, 0, {"product_id": product, "price_unit": 10.0 + i})],
            }
            for i in range(CLIENTS * ORDERS_PER_CLIENT)
        ],
    )
    return [orders[i::CLIENTS] for i in range(CLIENTS)]


def _drive(url, db, uid, batches):
    """Confirm the batches in parallel, one client each; return (seconds,
    failures)."""
    barrier = threading.Barrier(len(batches) + 1)
    failures = []

    def run(batch):
        call = Client(url, db, uid)
        barrier.wait()
        for order_id in batch:
            try:
                call("sale.order", "action_confirm", [order_id])
            except (xmlrpc.client.Fault, OSError) as error:
                text = getattr(error, "faultString", str(error)).strip()
                failures.append(text.splitlines()[-1][:300])

    threads = [threading.Thread(target=run, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, failures


def _retries(log):
    """Retries of serialization failures so far, and requests given up."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return text.count("tries left, try again"), text.count("maximum number of tries")


def _run(server, shared):
    """One measure on a running server: a dict of figures."""
    url, db, uid, log, with_limit = server
    admin = Client(url, db, uid)
    batches = _prepare(admin, shared, with_limit)
    retried_before = _retries(log)
    seconds, failures = _drive(url, db, uid, batches)
    retried = [a - b for a, b in zip(_retries(log), retried_before, strict=True)]
    ids = [order_id for batch in batches for order_id in batch]
    confirmed = admin(
        "sale.order", "search_count", [("id", "in", ids), ("state", "=", "sale")]
    )
    return {
        "orders": len(ids),
        "confirmed": confirmed,
        "rate": len(ids) / seconds,
        "failures": failures,
        "retries": retried[0],
    }


@contextmanager
def _started(template, with_limit):
    """A server on a copy of ``template``, warmed up (every worker)."""
    with database_copy(template, "throughput") as db, _server(db) as (url, log):
        common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
        uid = common.authenticate(db, "admin", PASSWORD, {})
        _drive(url, db, uid, _prepare(Client(url, db, uid), False, with_limit))
        yield url, db, uid, log, with_limit


def _best(runs):
    """The best rate of the runs; failures, retries and orders of all."""
    return {
        "rate": max(run["rate"] for run in runs),
        "orders": sum(run["orders"] for run in runs),
        "confirmed": sum(run["confirmed"] for run in runs),
        "failures": [f for run in runs for f in run["failures"]],
        "retries": sum(run["retries"] for run in runs),
    }


def main():
    table, failed, incomplete = [], [], False
    load_start = os.getloadavg()[0]
    with (
        _started(os.environ["IC_BENCH_PLAIN_DB"], False) as plain,
        _started(os.environ["IC_BENCH_DB"], True) as addons,
    ):
        for shared in (False, True):
            # Rounds alternate between the two servers (the machine is
            # shared): the best rate of each is kept.
            runs = {"plain": [], "addons": []}
            for _round in range(ROUNDS):
                runs["plain"].append(_run(plain, shared))
                runs["addons"].append(_run(addons, shared))
            p_row, a_row = _best(runs["plain"]), _best(runs["addons"])
            table.append(
                (
                    "one customer" if shared else "distinct customers",
                    a_row["orders"],
                    f"{p_row['rate']:.1f}",
                    f"{a_row['rate']:.1f}",
                    f"{a_row['rate'] / p_row['rate']:.2f}",
                    f"{p_row['confirmed']}/{a_row['confirmed']}",
                    f"{len(p_row['failures'])}/{len(a_row['failures'])}",
                    f"{p_row['retries']}/{a_row['retries']}",
                )
            )
            failed += p_row["failures"] + a_row["failures"]
            for row in (p_row, a_row):
                incomplete |= row["confirmed"] != row["orders"]
    report(
        f"Throughput: {CLIENTS} parallel XML-RPC clients confirming sale orders "
        f"({ORDERS_PER_CLIENT} each per round, best of {ROUNDS} rounds), prefork "
        f"server with {WORKERS} workers: plain Odoo vs the four addons",
        table,
        (
            "customers",
            "orders",
            "orders/s plain",
            "orders/s addons",
            "ratio",
            "confirmed p/a",
            "failed p/a",
            "retried p/a",
        ),
    )
    print(
        f"load average (1 min) of the machine: {load_start:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end; requests given up after Odoo's "
        "retries show in 'failed'"
    )
    for failure in failed[:3]:
        print(f"failure: {failure}")
    if failed or incomplete:
        print("ERROR: some confirmations did not complete")
        sys.exit(1)


if __name__ == "__main__":
    main()
