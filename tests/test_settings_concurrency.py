"""A control setting changed over XML-RPC reaches every server worker.

The checks read the company's control settings from a per-company cache
(``res.company._control_setting``), cleared when a setting is written; in
prefork mode (`make test` runs this file a second time against a server
with workers) the other workers learn it from Odoo's cache signalling at
the commit. Orders are confirmed before and after the change, several
times, so that each worker has the old value cached before it changes.
The demo rule "Big sale orders" (50,000 and more) applies to them.
"""

from test_xmlrpc import _connect

CALLS = 6


def _big_orders(admin, salesman, count):
    """``count`` orders of 60,000, each of its own customer (no credit
    exposure piles up)."""
    product_id = admin(
        "product.product",
        "create",
        {"name": "RPC Settings Machine", "list_price": 60000},
    )
    partner_ids = admin(
        "res.partner",
        "create",
        [{"name": f"RPC Settings Customer {index}"} for index in range(count)],
    )
    return [
        salesman(
            "sale.order",
            "create",
            {
                "partner_id": partner_id,
                "order_line": [
                    (0, 0, {"product_id": product_id, "product_uom_qty": 1})
                ],
            },
        )
        for partner_id in partner_ids
    ]


def _confirm(salesman, order_ids):
    for order_id in order_ids:
        salesman("sale.order", "action_confirm", [order_id])
    return {
        (order["state"], order["approval_state"])
        for order in salesman(
            "sale.order", "read", order_ids, fields=["state", "approval_state"]
        )
    }


def test_approval_switch_reaches_every_worker(odoo_server):
    admin = _connect(odoo_server, "admin", "admin")
    salesman = _connect(odoo_server, "salesman", "salesman")
    company_id = admin("res.users", "read", [2], fields=["company_id"])[0][
        "company_id"
    ][0]
    orders = _big_orders(admin, salesman, 3 * CALLS)
    try:
        # Every worker reads the switch on: the orders wait for approval.
        assert _confirm(salesman, orders[:CALLS]) == {("draft", "pending")}
        admin("res.company", "write", [company_id], {"control_approval_sale": False})
        # No worker keeps the old value: the orders are confirmed at once.
        assert _confirm(salesman, orders[CALLS : 2 * CALLS]) == {("sale", "none")}
        settings_id = admin(
            "res.config.settings", "create", {"control_approval_sale": True}
        )
        admin("res.config.settings", "execute", [settings_id])
        # On again through Settings: the orders wait again.
        assert _confirm(salesman, orders[2 * CALLS :]) == {("draft", "pending")}
    finally:
        admin("res.company", "write", [company_id], {"control_approval_sale": True})
