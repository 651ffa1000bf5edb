"""An integration's view: log in over XML-RPC to a real running server."""

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
