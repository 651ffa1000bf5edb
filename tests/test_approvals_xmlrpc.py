"""An integration drives the approval flow over XML-RPC on the demo database.

The demo rule "Big sale orders" (50,000 and more) needs a sales manager, then
a controller. Demo users: salesman, approver (sales manager), controller.
"""

import xmlrpc.client

import pytest
from test_xmlrpc import _connect


def test_big_order_goes_through_two_tiers(odoo_server):
    admin = _connect(odoo_server, "admin", "admin")
    salesman = _connect(odoo_server, "salesman", "salesman")
    approver = _connect(odoo_server, "approver", "approver")
    controller = _connect(odoo_server, "controller", "controller")
    partner_id = admin("res.partner", "create", {"name": "RPC Big Customer"})
    product_id = admin(
        "product.product", "create", {"name": "RPC Machine", "list_price": 60000}
    )
    order_id = salesman(
        "sale.order",
        "create",
        {
            "partner_id": partner_id,
            "order_line": [(0, 0, {"product_id": product_id, "product_uom_qty": 1})],
        },
    )
    salesman("sale.order", "action_confirm", [order_id])

    def order():
        return salesman(
            "sale.order", "read", [order_id], fields=["state", "approval_state"]
        )[0]

    assert order()["state"] == "draft"
    assert order()["approval_state"] == "pending"
    requests = admin(
        "control.approval.request",
        "search_read",
        [["res_model", "=", "sale.order"], ["res_id", "=", order_id]],
        fields=["state", "tier_name"],
        order="sequence",
    )
    assert [r["state"] for r in requests] == ["pending", "waiting"]
    first, second = (r["id"] for r in requests)

    with pytest.raises(xmlrpc.client.Fault) as fault:
        salesman("control.approval.request", "action_approve", [first])
    assert "Segregation of duties" in fault.value.faultString
    with pytest.raises(xmlrpc.client.Fault) as fault:
        controller("control.approval.request", "action_approve", [second])
    assert "cannot be decided before" in fault.value.faultString

    approver("control.approval.request", "action_approve", [first], comment="ok")
    assert order()["state"] == "draft"
    controller("control.approval.request", "action_approve", [second])
    assert order() == {"id": order_id, "state": "sale", "approval_state": "approved"}
    events = admin(
        "control.log",
        "search_read",
        [["res_model", "=", "sale.order"], ["res_id", "=", order_id]],
        fields=["event"],
        order="id",
    )
    assert [e["event"] for e in events] == [
        "approval_requested",
        "approved",
        "approved",
    ]
