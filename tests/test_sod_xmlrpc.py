"""Segregation of duties over XML-RPC on the demo database (where the
transaction rules are on): a grant that opens an enforced risk is refused,
a controller's mitigation lets it through, the live report and
``action_analyze`` answer, and a user who just added a vendor's bank account
cannot pay that vendor."""

import datetime
import uuid
import xmlrpc.client

import pytest
from test_anomaly_xmlrpc import _new_user
from test_xmlrpc import _connect


def _xmlid(admin, xmlid):
    return admin("ir.model.data", "check_object_reference", *xmlid.split("."))[1]


def test_grant_refused_then_mitigated(odoo_server):
    admin = _connect(odoo_server, "admin", "admin")
    tag = uuid.uuid4().hex[:6]
    # Earlier runs on this database (the prefork run, a developer's) leave
    # their risks: the refusal would name one of them.
    earlier = admin("control.sod.risk", "search", [("name", "like", "RPC risk %")])
    admin("control.sod.risk", "write", earlier, {"active": False})
    purchase = _xmlid(admin, "purchase.group_purchase_user")
    billing = _xmlid(admin, "account.group_account_invoice")
    f_a = admin(
        "control.sod.function",
        "create",
        {"name": f"RPC purchasing {tag}", "group_ids": [(6, 0, [purchase])]},
    )
    f_b = admin(
        "control.sod.function",
        "create",
        {"name": f"RPC bills {tag}", "group_ids": [(6, 0, [billing])]},
    )
    risk = admin(
        "control.sod.risk",
        "create",
        {
            "name": f"RPC risk {tag}",
            "function_a_id": f_a,
            "function_b_id": f_b,
            "level": "critical",
            "enforce": True,
        },
    )
    login, _password = _new_user(admin, "sodbuyer", ["purchase.group_purchase_user"])
    user_id = admin("res.users", "search", [("login", "=", login)])[0]
    with pytest.raises(xmlrpc.client.Fault) as caught:
        admin("res.users", "write", [user_id], {"groups_id": [(4, billing)]})
    assert f"RPC risk {tag}" in caught.value.faultString
    assert f"RPC purchasing {tag}" in caught.value.faultString
    assert (
        billing
        not in admin("res.users", "read", [user_id], ["groups_id"])[0]["groups_id"]
    )
    # The same through the group's users.
    with pytest.raises(xmlrpc.client.Fault):
        admin("res.groups", "write", [billing], {"users": [(4, user_id)]})

    controller = _connect(
        odoo_server,
        *_new_user(
            admin, "sodcontroller", ["sales_internal_control.group_control_manager"]
        ),
    )
    mitigation = controller(
        "control.sod.mitigation",
        "create",
        {
            "risk_id": risk,
            "user_id": user_id,
            "reason": "Small team, monthly review",
            "date_end": str(datetime.date.today() + datetime.timedelta(days=30)),
        },
    )
    assert admin("res.users", "write", [user_id], {"groups_id": [(4, billing)]}) is True
    rows = controller(
        "control.sod.conflict",
        "search_read",
        [("risk_id", "=", risk), ("user_id", "=", user_id)],
        ["user_id", "state", "mitigation_id"],
    )
    assert [
        (row["user_id"][0], row["state"], row["mitigation_id"][0]) for row in rows
    ] == [(user_id, "mitigated", mitigation)]
    # The others who already held both (the administrator, say) stay open.
    open_count = controller("control.sod.risk", "action_analyze", [risk])
    assert open_count == controller(
        "control.sod.conflict",
        "search_count",
        [("risk_id", "=", risk), ("state", "=", "open")],
    )
    assert isinstance(open_count, int)
    # Nobody deletes a mitigation.
    with pytest.raises(xmlrpc.client.Fault):
        controller("control.sod.mitigation", "unlink", [mitigation])
    admin("control.sod.risk", "write", [risk], {"active": False})


def test_bank_editor_cannot_pay(odoo_server):
    admin = _connect(odoo_server, "admin", "admin")
    tag = uuid.uuid4().hex[:6]
    clerk = _connect(
        odoo_server,
        *_new_user(
            admin,
            "sodclerk",
            ["account.group_account_invoice", "base.group_partner_manager"],
        ),
    )
    vendor = admin("res.partner", "create", {"name": f"RPC SoD vendor {tag}"})
    clerk(
        "res.partner.bank",
        "create",
        {"partner_id": vendor, "acc_number": f"NL{tag}0417164300"},
    )
    payment = clerk(
        "account.payment",
        "create",
        {
            "payment_type": "outbound",
            "partner_type": "supplier",
            "partner_id": vendor,
            "amount": 10.0,
        },
    )
    with pytest.raises(xmlrpc.client.Fault) as caught:
        clerk("account.payment", "action_post", [payment])
    assert "Segregation of duties" in caught.value.faultString
    assert admin("account.payment", "read", [payment], ["state"])[0]["state"] == "draft"
    # Another user posts it.
    admin("account.payment", "action_post", [payment])
    assert admin("account.payment", "read", [payment], ["state"])[0]["state"] in (
        "in_process",
        "paid",
    )
