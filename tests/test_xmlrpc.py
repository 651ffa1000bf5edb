"""An integration's view: log in over XML-RPC to a real running server."""

import uuid
import xmlrpc.client

import pytest

MODULES = [
    "sales_internal_control",
    "credit_rating",
    "budget_control",
    "contract_lifecycle",
]


def test_login_and_modules_installed(odoo_server):
    url, db = odoo_server["url"], odoo_server["db"]
    common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
    assert common.version()["server_version_info"][0] == 18
    uid = common.authenticate(db, "admin", "admin", {})
    assert uid, "admin/admin must log in to the demo database"
    assert common.authenticate(db, "admin", "wrong password", {}) is False

    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")
    installed = models.execute_kw(
        db,
        uid,
        "admin",
        "ir.module.module",
        "search_read",
        [[["name", "in", MODULES]]],
        {"fields": ["name", "state"]},
    )
    assert {m["name"]: m["state"] for m in installed} == dict.fromkeys(
        MODULES, "installed"
    )


def test_control_log_is_immutable_over_xmlrpc(odoo_server):
    url, db = odoo_server["url"], odoo_server["db"]
    uid = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").authenticate(
        db, "admin", "admin", {}
    )
    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")
    with pytest.raises(xmlrpc.client.Fault) as fault:
        models.execute_kw(
            db,
            uid,
            "admin",
            "control.log",
            "create",
            [{"event": "blocked", "res_model": "res.partner", "message": "forged"}],
        )
    assert "control.log" in fault.value.faultString or "not allowed" in (
        fault.value.faultString
    )


def _connect(server, login, password):
    url, db = server["url"], server["db"]
    uid = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").authenticate(
        db, login, password, {}
    )
    assert uid, f"{login} must log in"
    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")

    def call(model, method, *args, **kwargs):
        return models.execute_kw(db, uid, password, model, method, list(args), kwargs)

    return call


def test_blocked_invoice_is_a_fault_and_the_block_is_logged(odoo_server):
    """A block reaches the integration as a Fault; its log line survives."""
    admin = _connect(odoo_server, "admin", "admin")
    company_id = admin("res.users", "read", [2], fields=["company_id"])[0][
        "company_id"
    ][0]
    group_id = admin(
        "ir.model.data", "check_object_reference", "account", "group_account_invoice"
    )[1]
    login = f"rpc_billing_{uuid.uuid4().hex[:8]}"
    admin(
        "res.users",
        "create",
        {
            "name": "RPC Billing",
            "login": login,
            "password": "rpc_billing_pw",
            "groups_id": [(6, 0, [group_id])],
        },
    )
    partner_id = admin("res.partner", "create", {"name": "RPC Customer"})
    invoice_id = admin(
        "account.move",
        "create",
        {
            "move_type": "out_invoice",
            "partner_id": partner_id,
            "invoice_line_ids": [
                (0, 0, {"name": "RPC service", "quantity": 3, "price_unit": 40})
            ],
        },
    )
    admin("res.company", "write", [company_id], {"invoice_requires_sale_order": True})
    try:
        billing = _connect(odoo_server, login, "rpc_billing_pw")
        with pytest.raises(xmlrpc.client.Fault) as fault:
            billing("account.move", "action_post", [invoice_id])
    finally:
        admin(
            "res.company", "write", [company_id], {"invoice_requires_sale_order": False}
        )
    assert "RPC Customer" in fault.value.faultString
    assert "cannot be posted" in fault.value.faultString
    assert "120.00" in fault.value.faultString
    state = admin("account.move", "read", [invoice_id], fields=["state"])[0]["state"]
    assert state == "draft"
    logs = admin(
        "control.log",
        "search_read",
        [["res_model", "=", "account.move"], ["res_id", "=", invoice_id]],
        fields=["event", "message"],
    )
    assert [log["event"] for log in logs] == ["blocked"]
    assert "RPC Customer" in logs[0]["message"]


def test_dashboard_over_xmlrpc(odoo_server):
    """The dashboard's figures as a dict an integration can carry: every
    tile opens a list, the credit exposure and the overdue receivables are
    the sums of the exposure and aging reports the tiles open, a
    bad period is a Fault that names it, a salesman sees no credit figures."""
    controller = _connect(odoo_server, "controller", "controller")
    data = controller("control.dashboard", "get_data", "quarter")
    assert data["period"]["date_from"] <= data["period"]["date_to"]
    sections = {section["key"]: section for section in data["sections"]}
    assert {"approvals", "credit"} <= sections.keys()
    for section in data["sections"]:
        for tile in section["tiles"]:
            assert tile["action"]["res_model"], tile["key"]
            assert isinstance(tile["value"], int | float), tile["key"]
    tiles = {tile["key"]: tile for tile in sections["credit"]["tiles"]}
    company_id = data["company"]["id"]
    groups = controller(
        "credit.exposure.report",
        "read_group",
        [["company_id", "=", company_id]],
        ["amount:sum"],
        [],
    )
    assert tiles["credit_exposure"]["value"] == pytest.approx(
        groups[0]["amount"] or 0.0, abs=0.01
    )
    aging = controller(
        "credit.aging.report",
        "read_group",
        [["company_id", "=", company_id]],
        ["amount_overdue:sum"],
        [],
    )
    assert tiles["receivables_overdue"]["value"] == pytest.approx(
        aging[0]["amount_overdue"] or 0.0, abs=0.01
    )
    with pytest.raises(xmlrpc.client.Fault) as fault:
        controller("control.dashboard", "get_data", "fortnight")
    assert "fortnight" in fault.value.faultString
    salesman = _connect(odoo_server, "salesman", "salesman")
    keys = [s["key"] for s in salesman("control.dashboard", "get_data")["sections"]]
    assert "credit" not in keys
