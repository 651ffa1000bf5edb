"""An integration drives a contract's second stage over XML-RPC.

A legal user maintains a locked template (a salesperson cannot); a contract
made from it with changed terms and a payment plan waits for the legal tier;
the signed copy's hash is verified; invoices naming a milestone are refused
beyond it; an amendment shows its redline. Names are unique, so that the test
runs on a database that has the demo data.
"""

import base64
import datetime
import uuid
import xmlrpc.client

import pytest
from test_anomaly_xmlrpc import _new_user
from test_xmlrpc import _connect


def test_template_plan_signature_and_redline(odoo_server):
    admin = _connect(odoo_server, "admin", "admin")
    tag = uuid.uuid4().hex[:6].upper()
    legal = _connect(
        odoo_server,
        *_new_user(admin, "legal", ["contract_lifecycle.group_contract_legal"]),
    )
    salesman = _connect(
        odoo_server,
        *_new_user(
            admin,
            "seller",
            ["sales_team.group_sale_salesman", "account.group_account_invoice"],
        ),
    )
    manager = _connect(
        odoo_server,
        *_new_user(
            admin,
            "ctmanager",
            [
                "sales_team.group_sale_salesman",
                "contract_lifecycle.group_contract_manager",
            ],
        ),
    )
    # Only the legal department maintains templates.
    with pytest.raises(xmlrpc.client.Fault):
        salesman(
            "contract.template",
            "create",
            {"name": f"Rogue {tag}", "contract_type": "sale"},
        )
    with pytest.raises(xmlrpc.client.Fault, match="needs a type"):
        legal("contract.template", "create", {"name": f"No type {tag}"})
    template_id = legal(
        "contract.template",
        "create",
        {
            "name": f"RPC standard {tag}",
            "contract_type": "sale",
            "delivery_terms": "Delivery within 30 days.",
            "penalty_terms": "1% per week of delay.",
            "locked": True,
        },
    )
    partner_id = admin("res.partner", "create", {"name": f"RPC Plan Customer {tag}"})
    today = datetime.date.today()
    start, end = (
        today - datetime.timedelta(days=10),
        today + datetime.timedelta(days=300),
    )
    milestone = {"date_due": str(today + datetime.timedelta(days=30))}
    contract_id = salesman(
        "contract.contract",
        "create",
        {
            "partner_id": partner_id,
            "template_id": template_id,
            "amount_total": 1000.0,
            "date_start": str(start),
            "date_end": str(end),
            "penalty_terms": "2% per week of delay.",
            "milestone_ids": [
                (0, 0, dict(milestone, name="Advance", amount=400.0)),
                (0, 0, dict(milestone, name="Balance", amount=700.0)),
            ],
        },
    )
    contract = salesman(
        "contract.contract",
        "read",
        [contract_id],
        fields=["delivery_terms", "template_terms_changed"],
    )[0]
    assert contract["delivery_terms"] == "Delivery within 30 days."
    assert contract["template_terms_changed"] is True
    admin(
        "ir.attachment",
        "create",
        {
            "name": "qualification.pdf",
            "datas": base64.b64encode(b"%PDF-1.4 qualification").decode(),
            "res_model": "contract.contract",
            "res_id": contract_id,
        },
    )
    # The plan (1,100) does not match the amount (1,000).
    with pytest.raises(xmlrpc.client.Fault, match="add up to"):
        salesman("contract.contract", "action_submit", [contract_id])
    milestones = salesman(
        "contract.milestone", "search", [("contract_id", "=", contract_id)], order="id"
    )
    salesman("contract.milestone", "write", [milestones[1]], {"amount": 600.0})
    assert salesman("contract.contract", "action_submit", [contract_id]) is True
    requests = admin(
        "control.approval.request",
        "search_read",
        [("res_model", "=", "contract.contract"), ("res_id", "=", contract_id)],
        fields=["tier_name", "state"],
    )
    legal_tier = [r for r in requests if r["tier_name"].startswith("Legal review")]
    assert legal_tier, requests
    assert manager("contract.contract", "action_approve", [contract_id]) is True
    for request in sorted(requests, key=lambda r: r["id"]):
        decider = legal if request in legal_tier else admin
        decider("control.approval.request", "action_approve", [request["id"]])
    state = admin("contract.contract", "read", [contract_id], fields=["state"])[0][
        "state"
    ]
    assert state == "approved"
    # A paper signature: the scanned copy attached after the approval.
    scan_id = admin(
        "ir.attachment",
        "create",
        {
            "name": "signed-scan.pdf",
            "datas": base64.b64encode(b"%PDF-1.4 signed " + tag.encode()).decode(),
            "res_model": "contract.contract",
            "res_id": contract_id,
        },
    )
    assert manager("contract.contract", "action_sign", [contract_id]) is True
    assert (
        salesman("contract.contract", "action_verify_signature", [contract_id]) is True
    )
    admin(
        "ir.attachment",
        "write",
        [scan_id],
        {"datas": base64.b64encode(b"forged").decode()},
    )
    assert (
        salesman("contract.contract", "action_verify_signature", [contract_id]) is False
    )

    def invoice(milestone_id, price):
        return salesman(
            "account.move",
            "create",
            {
                "move_type": "out_invoice",
                "partner_id": partner_id,
                "contract_id": contract_id,
                "contract_milestone_id": milestone_id,
                "invoice_date": str(today),
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Milestone",
                            "quantity": 1,
                            "price_unit": price,
                            "tax_ids": [(5, 0, 0)],
                        },
                    )
                ],
            },
        )

    salesman("account.move", "action_post", [invoice(milestones[0], 400.0)])
    with pytest.raises(xmlrpc.client.Fault, match="exceed milestone Advance"):
        salesman("account.move", "action_post", [invoice(milestones[0], 1.0)])
    plan = salesman(
        "contract.milestone", "read", milestones, fields=["amount_invoiced", "state"]
    )
    assert [m["amount_invoiced"] for m in plan] == [400.0, 0.0]
    assert plan[0]["state"] == "invoiced"
    # An amendment shows what it changes.
    action = salesman("contract.contract", "action_renew", [contract_id])
    new_id = action["res_id"]
    diff = salesman("contract.contract", "read", [new_id], fields=["diff_html"])[0][
        "diff_html"
    ]
    assert "<ins" in diff and "<del" in diff
    compare = salesman("contract.contract", "action_compare", [new_id])
    assert compare["res_id"] == new_id
    carried = salesman(
        "contract.milestone",
        "search_read",
        [("contract_id", "=", new_id)],
        fields=["amount_invoiced", "previous_milestone_id"],
        order="id",
    )
    assert [m["amount_invoiced"] for m in carried] == [400.0, 0.0]
