"""Budget changes over XML-RPC on the demo database: a requester asks, a
budget manager approves, the budget and its revision lines follow; bad input
is a Fault naming the request and changes nothing; a confirmed budget's
amount and its revision lines cannot be written directly, not even by the
administrator; a budget splits into quarters."""

import uuid
import xmlrpc.client

import pytest
from test_anomaly_xmlrpc import _new_user
from test_xmlrpc import _connect


def test_budget_change_request_over_xmlrpc(odoo_server):
    admin = _connect(odoo_server, "admin", "admin")
    tag = uuid.uuid4().hex[:8]
    requester = _new_user(admin, "asker", ["sales_internal_control.group_control_user"])
    manager = _new_user(admin, "budgetboss", ["budget_control.group_budget_manager"])
    admin(
        "res.users",
        "write",
        [2],
        {
            "groups_id": [
                (
                    4,
                    admin(
                        "ir.model.data",
                        "check_object_reference",
                        "analytic",
                        "group_analytic_accounting",
                    )[1],
                )
            ]
        },
    )
    plan_id = admin("account.analytic.plan", "create", {"name": f"RPC plan {tag}"})
    account_id = admin(
        "account.analytic.account",
        "create",
        {"name": f"RPC department {tag}", "plan_id": plan_id, "company_id": False},
    )
    budgets = [
        admin(
            "control.budget",
            "create",
            {
                "name": f"RPC {name} {tag}",
                "analytic_account_id": account_id,
                "date_from": f"{year}-01-01",
                "date_to": f"{year}-12-31",
                "amount": 1000.0,
            },
        )
        for name, year in (("year", 2091), ("next year", 2092))
    ]
    admin("control.budget", "action_confirm", budgets)
    budget_id, other_id = budgets

    asker = _connect(odoo_server, *requester)
    boss = _connect(odoo_server, *manager)

    def read_budget(record_id):
        return admin(
            "control.budget", "read", [record_id], fields=["amount", "revision_ids"]
        )[0]

    # Bad input: a Fault naming the request, nothing created.
    count = admin("control.budget.change", "search_count", [])
    for vals, text in (
        ({"amount": 0.0}, "must be positive"),
        ({"amount": -10.0}, "must be positive"),
        ({"amount": "nan"}, "finite"),
        ({"reason": "  "}, "needs a reason"),
        ({"change_type": "transfer", "target_budget_id": budget_id}, "to itself"),
    ):
        with pytest.raises(xmlrpc.client.Fault, match=text):
            asker(
                "control.budget.change",
                "create",
                {
                    "budget_id": budget_id,
                    "change_type": "increase",
                    "amount": 10.0,
                    "reason": "RPC",
                    **vals,
                },
            )
    assert admin("control.budget.change", "search_count", []) == count

    # A transfer asked, approved by a budget manager, applied.
    change_id = asker(
        "control.budget.change",
        "create",
        {
            "budget_id": budget_id,
            "change_type": "transfer",
            "target_budget_id": other_id,
            "amount": 400.0,
            "reason": "Moved to next year",
        },
    )
    assert asker("control.budget.change", "action_submit", [change_id]) is True
    change = admin(
        "control.budget.change",
        "read",
        [change_id],
        fields=["name", "state", "approval_state"],
    )[0]
    assert (change["state"], change["approval_state"]) == ("to_approve", "pending")
    request_ids = admin(
        "control.approval.request",
        "search",
        [
            ["res_model", "=", "control.budget.change"],
            ["res_id", "=", change_id],
            ["state", "=", "pending"],
        ],
    )
    assert len(request_ids) == 1
    with pytest.raises(xmlrpc.client.Fault, match="Segregation of duties"):
        asker("control.approval.request", "action_approve", request_ids)
    assert boss("control.approval.request", "action_approve", request_ids) is True
    change = admin("control.budget.change", "read", [change_id], fields=["state"])[0]
    assert change["state"] == "applied"
    assert read_budget(budget_id)["amount"] == 600.0
    assert read_budget(other_id)["amount"] == 1400.0
    revisions = admin(
        "control.budget.revision",
        "search_read",
        [["change_id", "=", change_id]],
        fields=["budget_id", "amount_before", "amount_after", "user_id"],
    )
    assert sorted((r["amount_before"], r["amount_after"]) for r in revisions) == [
        (1000.0, 600.0),
        (1000.0, 1400.0),
    ]
    logs = admin(
        "control.log",
        "search_count",
        [
            ["event", "=", "budget_change"],
            ["res_model", "=", "control.budget.change"],
            ["res_id", "=", change_id],
        ],
    )
    assert logs == 2

    # No direct write of a confirmed amount or of a revision, admin included.
    with pytest.raises(xmlrpc.client.Fault, match="change request"):
        admin("control.budget", "write", [budget_id], {"amount": 5000.0})
    with pytest.raises(xmlrpc.client.Fault, match="cannot be modified"):
        admin(
            "control.budget.revision",
            "write",
            [revisions[0]["id"]],
            {"amount_after": 1},
        )
    with pytest.raises(xmlrpc.client.Fault, match="cannot be deleted"):
        admin("control.budget.revision", "unlink", [revisions[0]["id"]])
    with pytest.raises(xmlrpc.client.Fault):
        admin("control.budget.change", "write", [change_id], {"state": "draft"})
    assert read_budget(budget_id)["amount"] == 600.0

    # Split into quarters: four draft sub-budgets sharing the amount.
    action = boss("control.budget", "action_split", [other_id], "quarter")
    children = admin(
        "control.budget",
        "read",
        action["domain"][0][2],
        fields=["amount", "state", "parent_id"],
    )
    assert len(children) == 4
    assert {child["state"] for child in children} == {"draft"}
    assert round(sum(child["amount"] for child in children), 2) == 1400.0
    assert {child["parent_id"][0] for child in children} == {other_id}
