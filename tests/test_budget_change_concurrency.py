"""Two budget changes approved at the same moment never together take a budget
below what it has consumed: the application locks the budget row, the second
transaction waits, fails to serialize, is retried by Odoo and then sees the
first change (its application is refused, the change stays approved and
waiting, with the reason on it)."""

import uuid

from concurrent_calls import at_once
from test_budget_concurrency import _budget_setup, _connect, _order_vals, _ref


def _user(admin, login, groups, company_id):
    return admin(
        "res.users",
        "create",
        {
            "name": login,
            "login": login,
            "password": login,
            "company_id": company_id,
            "company_ids": [(6, 0, [company_id])],
            "groups_id": [(6, 0, groups)],
        },
    )


def test_two_decreases_at_once_never_go_below_consumed(odoo_server):
    admin = _connect(odoo_server, "admin", "admin")
    tag = uuid.uuid4().hex[:8]
    company_id = admin("res.users", "read", [2], fields=["company_id"])[0][
        "company_id"
    ][0]
    manager_group = _ref(admin, "budget_control", "group_budget_manager")
    user_group = _ref(admin, "sales_internal_control", "group_control_user")
    requester = f"budget_requester_{tag}"
    _user(admin, requester, [user_group], company_id)
    managers = [f"budget_manager_{index}_{tag}" for index in range(2)]
    for login in managers:
        _user(admin, login, [manager_group], company_id)
    budget_id, account_id, vendor_id, product_id = _budget_setup(admin, tag, company_id)
    order_id = admin(
        "purchase.order",
        "create",
        _order_vals(company_id, vendor_id, product_id, account_id),
    )
    admin("purchase.order", "button_confirm", [order_id])
    assert (
        admin("purchase.order", "read", [order_id], fields=["state"])[0]["state"]
        == "purchase"
    )

    # Each decrease alone keeps the budget above its 600 consumed; both not.
    asker = _connect(odoo_server, requester, requester)
    change_ids = [
        asker(
            "control.budget.change",
            "create",
            {
                "budget_id": budget_id,
                "change_type": "decrease",
                "amount": 250.0,
                "reason": f"Savings {index}",
            },
        )
        for index in range(2)
    ]
    for change_id in change_ids:
        assert asker("control.budget.change", "action_submit", [change_id]) is True
    requests = {
        change_id: admin(
            "control.approval.request",
            "search",
            [
                ["res_model", "=", "control.budget.change"],
                ["res_id", "=", change_id],
                ["state", "=", "pending"],
            ],
        )
        for change_id in change_ids
    }
    assert all(len(ids) == 1 for ids in requests.values()), requests

    outcomes = at_once(
        {
            change_id: (
                lambda login=login: _connect(odoo_server, login, login),
                lambda call, change_id: call(
                    "control.approval.request", "action_approve", requests[change_id]
                ),
            )
            for login, change_id in zip(managers, change_ids, strict=True)
        }
    )

    assert outcomes == dict.fromkeys(change_ids, True), outcomes
    changes = admin(
        "control.budget.change",
        "read",
        change_ids,
        fields=["state", "approval_state"],
    )
    states = sorted((change["state"], change["approval_state"]) for change in changes)
    assert states == [("applied", "approved"), ("to_approve", "approved")], states
    budget = admin(
        "control.budget",
        "read",
        [budget_id],
        fields=["amount", "consumed_amount", "revision_ids"],
    )[0]
    assert budget["amount"] == 750.0
    assert budget["consumed_amount"] == 600.0
    revisions = admin(
        "control.budget.revision",
        "read",
        budget["revision_ids"],
        fields=["amount_before", "amount_after", "change_id"],
    )
    assert sorted((r["amount_before"], r["amount_after"]) for r in revisions) == [
        (0.0, 1000.0),
        (1000.0, 750.0),
    ]
    waiting = next(c["id"] for c in changes if c["state"] == "to_approve")
    blocked = admin(
        "control.log",
        "search_read",
        [
            ["event", "=", "blocked"],
            ["res_model", "=", "control.budget.change"],
            ["res_id", "=", waiting],
        ],
        fields=["message"],
    )
    assert blocked and "below what it has consumed" in blocked[0]["message"]
