"""Two purchase orders confirmed at the same moment never together take a budget
past red: the budget row is locked by the check, the second transaction waits,
fails to serialize, is retried by Odoo and then sees the first order."""

import uuid
import xmlrpc.client

import psycopg2
from concurrent_calls import at_once


def _connect(server, login, password):
    url, db = server["url"], server["db"]
    uid = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").authenticate(
        db, login, password, {}
    )
    assert uid, f"{login} must log in"

    def call(model, method, *args, **kwargs):
        # One proxy per call: proxies are not thread-safe.
        models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")
        return models.execute_kw(db, uid, password, model, method, list(args), kwargs)

    return call


def _ref(admin, module, name):
    return admin("ir.model.data", "check_object_reference", module, name)[1]


def _budget_setup(admin, tag, company_id):
    """A confirmed budget of 1,000 on a new analytic account (2000-2099), a
    vendor and a service product: ``(budget_id, account_id, vendor_id,
    product_id)``."""
    # The throw-away database's admin may lack analytic accounting.
    admin(
        "res.users",
        "write",
        [2],
        {"groups_id": [(4, _ref(admin, "analytic", "group_analytic_accounting"))]},
    )
    plan_id = admin("account.analytic.plan", "create", {"name": f"Plan {tag}"})
    account_id = admin(
        "account.analytic.account",
        "create",
        {"name": f"Department {tag}", "plan_id": plan_id, "company_id": False},
    )
    budget_id = admin(
        "control.budget",
        "create",
        {
            "name": f"Budget {tag}",
            "analytic_account_id": account_id,
            "date_from": "2000-01-01",
            "date_to": "2099-12-31",
            "amount": 1000.0,
            "company_id": company_id,
        },
    )
    admin("control.budget", "action_confirm", [budget_id])
    vendor_id = admin("res.partner", "create", {"name": f"Vendor {tag}"})
    product_id = admin(
        "product.product",
        "create",
        {
            "name": f"Service {tag}",
            "type": "service",
            "supplier_taxes_id": [(5, 0, 0)],
        },
    )
    return budget_id, account_id, vendor_id, product_id


def _order_vals(company_id, vendor_id, product_id, account_id):
    """A purchase order of one service line charged to the analytic account."""
    return {
        "partner_id": vendor_id,
        "company_id": company_id,
        "order_line": [
            (
                0,
                0,
                {
                    "product_id": product_id,
                    "product_qty": 1,
                    "price_unit": 600.0,
                    "taxes_id": [(5, 0, 0)],
                    "analytic_distribution": {str(account_id): 100},
                },
            )
        ],
    }


def _confirm_at_once(server, logins, order_ids):
    """Confirm each order as its user (login = password) at the same moment,
    one thread each: ``{order id: "confirmed" or the fault's text}``."""

    def confirm(call, order_id):
        call("purchase.order", "button_confirm", [order_id])
        return "confirmed"

    return at_once(
        {
            order_id: (
                lambda login=login: _connect(server, login, login),
                confirm,
            )
            for login, order_id in zip(logins, order_ids, strict=True)
        }
    )


def test_two_orders_at_once_never_pass_red_together(odoo_server):
    admin = _connect(odoo_server, "admin", "admin")
    tag = uuid.uuid4().hex[:8]
    company_id = admin("res.users", "read", [2], fields=["company_id"])[0][
        "company_id"
    ][0]
    buyer_group = _ref(admin, "purchase", "group_purchase_user")
    logins = []
    for index in range(2):
        login = f"budget_buyer_{index}_{tag}"
        admin(
            "res.users",
            "create",
            {
                "name": f"Budget buyer {index} {tag}",
                "login": login,
                "password": login,
                "company_id": company_id,
                "company_ids": [(6, 0, [company_id])],
                "groups_id": [(4, buyer_group)],
            },
        )
        logins.append(login)
    budget_id, account_id, vendor_id, product_id = _budget_setup(admin, tag, company_id)
    order_ids = [
        admin(
            "purchase.order",
            "create",
            _order_vals(company_id, vendor_id, product_id, account_id),
        )
        for _login in logins
    ]

    outcomes = _confirm_at_once(odoo_server, logins, order_ids)
    assert len(outcomes) == 2, outcomes
    confirmed = [oid for oid, result in outcomes.items() if result == "confirmed"]
    blocked = [oid for oid, result in outcomes.items() if result != "confirmed"]
    assert len(confirmed) == 1, outcomes
    assert len(blocked) == 1, outcomes
    assert f"Budget {tag}" in outcomes[blocked[0]]
    states = {
        order["id"]: order["state"]
        for order in admin("purchase.order", "read", order_ids, fields=["state"])
    }
    assert states[confirmed[0]] == "purchase"
    assert states[blocked[0]] == "draft"
    budget = admin(
        "control.budget",
        "read",
        [budget_id],
        fields=["committed_amount", "consumed_pct", "alert_level"],
    )[0]
    assert budget["committed_amount"] == 600.0
    assert budget["alert_level"] == "green"
    logs = admin(
        "control.log",
        "search_count",
        [
            ["event", "=", "blocked"],
            ["res_model", "=", "purchase.order"],
            ["res_id", "=", blocked[0]],
        ],
    )
    assert logs == 1


def _stored_totals(db, budget_id):
    """The budget's stored ``(actual, committed)`` in control_budget_total
    (None while unknown), read on a connection of its own."""
    connection = psycopg2.connect(dbname=db)
    try:
        with connection.cursor() as cr:
            cr.execute(
                "SELECT actual, committed FROM control_budget_total "
                "WHERE budget_id = %s",
                [budget_id],
            )
            actual, committed = cr.fetchone()
    finally:
        connection.close()
    return None if actual is None else (float(actual), float(committed))


def test_stored_totals_hold_the_limit(odoo_server):
    """On committed data the check stores the budget's figures (its first
    check after the budget was confirmed trusts the row, the second stores
    them), then reads them: two orders at once still never pass red
    together, and the stored figures stay those of the definition."""
    admin = _connect(odoo_server, "admin", "admin")
    tag = uuid.uuid4().hex[:8]
    company_id = admin("res.users", "read", [2], fields=["company_id"])[0][
        "company_id"
    ][0]
    budget_id, account_id, vendor_id, product_id = _budget_setup(admin, tag, company_id)
    small = dict(_order_vals(company_id, vendor_id, product_id, account_id))
    small["order_line"] = [(0, 0, dict(small["order_line"][0][2], price_unit=50.0))]
    assert _stored_totals(odoo_server["db"], budget_id) is None
    for _index in range(2):
        admin(
            "purchase.order",
            "button_confirm",
            [admin("purchase.order", "create", small)],
        )
    assert _stored_totals(odoo_server["db"], budget_id) == (0.0, 100.0)

    order_ids = [
        admin(
            "purchase.order",
            "create",
            _order_vals(company_id, vendor_id, product_id, account_id),
        )
        for _index in range(2)
    ]
    outcomes = _confirm_at_once(odoo_server, ["admin", "admin"], order_ids)
    assert sorted(outcomes.values()).count("confirmed") == 1, outcomes
    blocked = [oid for oid, result in outcomes.items() if result != "confirmed"]
    assert f"Budget {tag}" in outcomes[blocked[0]]
    budget = admin(
        "control.budget",
        "read",
        [budget_id],
        fields=["actual_amount", "committed_amount"],
    )[0]
    assert budget["committed_amount"] == 700.0
    assert _stored_totals(odoo_server["db"], budget_id) == (
        budget["actual_amount"],
        budget["committed_amount"],
    )
