"""An integration meets the anomaly engine over XML-RPC on the demo database.

A duplicate vendor bill (the same reference once normalised) is refused by a
``block`` rule, with the finding kept, and goes through with ``warn``; a
controller reviews the finding, a billing user cannot; the scan returns the
number of new findings; nobody writes or deletes a finding directly. Names
are unique, so that the test runs on a database that has the demo data (and
its own anomaly rules, which only warn).
"""

import datetime
import uuid
import xmlrpc.client

import pytest
from test_xmlrpc import _connect


def _new_user(admin, name, groups):
    """A user with these groups (xml ids); returns (login, password)."""
    group_ids = [
        admin("ir.model.data", "check_object_reference", *xmlid.split("."))[1]
        for xmlid in groups
    ]
    login = f"rpc_{name}_{uuid.uuid4().hex[:8]}"
    admin(
        "res.users",
        "create",
        {
            "name": f"RPC {name.title()} {login[-8:]}",
            "login": login,
            "password": f"{login}_pw",
            "groups_id": [(6, 0, group_ids)],
        },
    )
    return login, f"{login}_pw"


def test_duplicate_bill_block_warn_and_review(odoo_server):
    admin = _connect(odoo_server, "admin", "admin")
    tag = uuid.uuid4().hex[:6].upper()
    company_id = admin("res.users", "read", [2], fields=["company_id"])[0][
        "company_id"
    ][0]
    billing = _connect(
        odoo_server, *_new_user(admin, "billing", ["account.group_account_invoice"])
    )
    controller = _connect(
        odoo_server,
        *_new_user(
            admin,
            "controller",
            [
                "sales_internal_control.group_control_manager",
                "account.group_account_invoice",
            ],
        ),
    )
    vendor_id = admin(
        "res.partner",
        "create",
        {"name": f"RPC Anomaly Vendor {tag}", "supplier_rank": 1},
    )
    rule_id = admin(
        "control.anomaly.rule",
        "create",
        {
            "name": f"RPC duplicate bills {tag}",
            "detector": "duplicate_bill",
            "action": "block",
            "window_days": 7,
            "company_id": company_id,
        },
    )
    today = datetime.date.today()

    def bill(ref, price):
        return billing(
            "account.move",
            "create",
            {
                "move_type": "in_invoice",
                "partner_id": vendor_id,
                "ref": ref,
                "invoice_date": today.isoformat(),
                "invoice_line_ids": [
                    (0, 0, {"name": "RPC service", "quantity": 1, "price_unit": price})
                ],
            },
        )

    def read(model, record_id, fields):
        return admin(model, "read", [record_id], fields=fields)[0]

    def findings(move_id):
        return admin(
            "control.anomaly",
            "search_read",
            [
                ["rule_id", "=", rule_id],
                ["res_model", "=", "account.move"],
                ["res_id", "=", move_id],
            ],
            fields=["state", "user_id", "message", "related_documents"],
        )

    try:
        first_id = bill(f"RPC-{tag}/0042", 410.0)
        billing("account.move", "action_post", [first_id])
        first = read("account.move", first_id, ["state", "name"])
        assert first["state"] == "posted"
        assert not findings(first_id)

        second_id = bill(f"rpc {tag} 0042", 990.0)
        with pytest.raises(xmlrpc.client.Fault) as fault:
            billing("account.move", "action_post", [second_id])
        assert first["name"] in fault.value.faultString
        assert f"RPC duplicate bills {tag}" in fault.value.faultString
        assert read("account.move", second_id, ["state"])["state"] == "draft"
        # the refusal keeps the finding and logs the block
        assert len(findings(second_id)) == 1
        events = admin(
            "control.log",
            "search_read",
            [["res_model", "=", "account.move"], ["res_id", "=", second_id]],
            fields=["event"],
        )
        assert "blocked" in [event["event"] for event in events]

        admin("control.anomaly.rule", "write", [rule_id], {"action": "warn"})
        billing("account.move", "action_post", [second_id])
        assert read("account.move", second_id, ["state"])["state"] == "posted"
    finally:
        admin("control.anomaly.rule", "write", [rule_id], {"action": "warn"})
    (finding,) = findings(second_id)
    assert finding["state"] == "open"
    assert first["name"] in finding["message"]
    assert finding["related_documents"][0][1] == first_id
    finding_id = finding["id"]

    # review: controllers only, with a note
    with pytest.raises(xmlrpc.client.Fault) as fault:
        billing("control.anomaly", "action_dismiss", [finding_id], "looks fine")
    assert "controllers" in fault.value.faultString
    with pytest.raises(xmlrpc.client.Fault) as fault:
        controller("control.anomaly", "action_dismiss", [finding_id], "")
    assert "note is required" in fault.value.faultString
    assert read("control.anomaly", finding_id, ["state"])["state"] == "open"
    assert controller(
        "control.anomaly", "action_dismiss", [finding_id], "credit note on its way"
    )
    reviewed = read(
        "control.anomaly", finding_id, ["state", "review_note", "reviewed_by_id"]
    )
    assert reviewed["state"] == "dismissed"
    assert reviewed["review_note"] == "credit note on its way"
    assert reviewed["reviewed_by_id"]

    # the scan: an int, nothing new for what is already found
    period = ((today - datetime.timedelta(days=7)).isoformat(), today.isoformat())
    count = controller("control.anomaly.rule", "action_scan", [rule_id], *period)
    assert isinstance(count, int)
    assert controller("control.anomaly.rule", "action_scan", [rule_id], *period) == 0
    with pytest.raises(xmlrpc.client.Fault):
        billing("control.anomaly.rule", "action_scan", [rule_id], *period)

    # findings are written by the engine and the review only, never deleted
    for user in (admin, controller):
        with pytest.raises(xmlrpc.client.Fault):
            user("control.anomaly", "write", [finding_id], {"state": "open"})
        with pytest.raises(xmlrpc.client.Fault):
            user("control.anomaly", "write", [finding_id], {"review_note": "edited"})
        with pytest.raises(xmlrpc.client.Fault):
            user("control.anomaly", "unlink", [finding_id])
    with pytest.raises(xmlrpc.client.Fault):
        admin(
            "control.anomaly",
            "create",
            {
                "rule_id": rule_id,
                "detector": "duplicate_bill",
                "severity": "low",
                "res_model": "account.move",
                "res_id": first_id,
                "company_id": company_id,
            },
        )
    assert read("control.anomaly", finding_id, ["state", "review_note"]) == {
        "id": finding_id,
        "state": "dismissed",
        "review_note": "credit note on its way",
    }
