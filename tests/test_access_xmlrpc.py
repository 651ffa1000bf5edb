"""Access governance over XML-RPC on a real server (issue 17).

A salesman without accounting rights reads a vendor's bank account masked
but its last 4 digits (read, search_read, web_read, through the partner's
bank_ids), writes the mask back without changing the number, and exports
contacts: each export (``export_data`` or the web client's CSV export) is an
``export`` log line, the one that takes him past
the company's daily limit a mass-export finding (once a day). A controller
applies an access review that revokes a group, once. Names are unique, so that the test
runs again on the same database.
"""

import json
import re
import urllib.parse
import urllib.request
import uuid
import xmlrpc.client

import pytest
from test_anomaly_xmlrpc import _new_user
from test_websocket_concurrency import _login
from test_xmlrpc import _connect


def _web_export_csv(odoo_server, login, password, model, ids, fields):
    """Export as the web client does (POST /web/export/csv in a session)."""
    url = odoo_server["url"]
    session_id = _login(url, odoo_server["db"], login, password)
    headers = {"Cookie": f"session_id={session_id}"}
    page = urllib.request.Request(f"{url}/odoo", headers=headers)  # noqa: S310
    with urllib.request.urlopen(page, timeout=60) as response:  # noqa: S310
        token = re.search(r'csrf_token: "([^"]+)"', response.read().decode())[1]
    data = json.dumps(
        {
            "model": model,
            "fields": [{"name": name, "label": name} for name in fields],
            "ids": ids,
            "domain": [],
            "import_compat": True,
        }
    )
    request = urllib.request.Request(  # noqa: S310
        f"{url}/web/export/csv",
        data=urllib.parse.urlencode({"data": data, "csrf_token": token}).encode(),
        headers=headers,
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return response.read().decode()


def test_bank_numbers_masked_for_users_without_accounting_rights(odoo_server):
    admin = _connect(odoo_server, "admin", "admin")
    tag = uuid.uuid4().hex[:6].upper()
    salesman = _connect(
        odoo_server,
        *_new_user(
            admin,
            "masked",
            ["sales_team.group_sale_salesman", "base.group_partner_manager"],
        ),
    )
    vendor_id = admin("res.partner", "create", {"name": f"RPC Mask Vendor {tag}"})
    number = "DE89 3704 0044 0532 0130 00"
    mask = "******************3000"
    bank_id = admin(
        "res.partner.bank",
        "create",
        {"partner_id": vendor_id, "acc_number": number},
    )
    [row] = salesman(
        "res.partner.bank", "read", [bank_id], ["acc_number", "display_name"]
    )
    assert row["acc_number"] == mask
    assert "0532" not in row["display_name"]
    [row] = salesman(
        "res.partner.bank",
        "search_read",
        [("id", "=", bank_id)],
        ["acc_number", "sanitized_acc_number"],
    )
    assert (row["acc_number"], row["sanitized_acc_number"]) == (mask, mask)
    [partner] = salesman(
        "res.partner",
        "web_read",
        [vendor_id],
        {"bank_ids": {"fields": {"acc_number": {}, "display_name": {}}}},
    )
    assert partner["bank_ids"][0]["acc_number"] == mask
    assert "0532" not in str(partner)
    # the administrator (accounting rights) reads the number
    assert (
        admin("res.partner.bank", "read", [bank_id], ["acc_number"])[0]["acc_number"]
        == number
    )
    # the mask written back changes nothing; another masked value is refused
    assert salesman("res.partner.bank", "write", [bank_id], {"acc_number": mask})
    with pytest.raises(xmlrpc.client.Fault, match="mask character"):
        salesman(
            "res.partner.bank", "write", [bank_id], {"acc_number": "**********9999"}
        )
    assert (
        admin("res.partner.bank", "read", [bank_id], ["acc_number"])[0]["acc_number"]
        == number
    )


def test_exports_logged_and_mass_export_finding(odoo_server):
    admin = _connect(odoo_server, "admin", "admin")
    tag = uuid.uuid4().hex[:6].upper()
    company_id = admin("res.users", "read", [2], fields=["company_id"])[0][
        "company_id"
    ][0]
    limit = admin("res.company", "read", [company_id], ["export_alert_rows"])[0][
        "export_alert_rows"
    ]
    if not admin(
        "control.anomaly.rule",
        "search",
        [("detector", "=", "mass_export"), ("company_id", "=", company_id)],
    ):
        admin(
            "control.anomaly.rule",
            "create",
            {
                "name": "Mass export",
                "detector": "mass_export",
                "company_id": company_id,
            },
        )
    login, password = _new_user(
        admin, "exporter", ["base.group_user", "base.group_allow_export"]
    )
    exporter = _connect(odoo_server, login, password)
    [user_id] = admin("res.users", "search", [("login", "=", login)])
    partner_ids = admin(
        "res.partner",
        "create",
        [{"name": f"RPC Export {tag} {index}"} for index in range(limit + 1)],
    )
    result = exporter("res.partner", "export_data", partner_ids[:limit], ["name"])
    assert len(result["datas"]) == limit
    [line] = admin(
        "control.log",
        "search_read",
        [("event", "=", "export"), ("user_id", "=", user_id)],
        ["res_model", "export_rows", "message"],
    )
    assert (line["res_model"], line["export_rows"]) == ("res.partner", limit)
    assert f"{limit} rows" in line["message"]
    # the exporter cannot read the log
    with pytest.raises(xmlrpc.client.Fault, match="not allowed"):
        exporter("control.log", "search", [])

    def findings():
        return admin(
            "control.anomaly",
            "search_read",
            [("detector", "=", "mass_export"), ("user_id", "=", user_id)],
            ["res_model", "res_id"],
        )

    assert not findings()  # at the limit
    exporter("res.partner", "export_data", partner_ids[-1:], ["name"])
    [finding] = findings()
    crossing = admin(
        "control.log",
        "search",
        [("event", "=", "export"), ("user_id", "=", user_id)],
        order="id desc",
        limit=1,
    )
    assert (finding["res_model"], finding["res_id"]) == ("control.log", crossing[0])
    # the web client's export (CSV) is logged too, and adds no finding
    csv = _web_export_csv(
        odoo_server, login, password, "res.partner", partner_ids[:5], ["name"]
    )
    assert f"RPC Export {tag} 4" in csv
    [web_line] = admin(
        "control.log",
        "search_read",
        [("event", "=", "export"), ("user_id", "=", user_id)],
        ["export_rows", "message"],
        order="id desc",
        limit=1,
    )
    assert web_line["export_rows"] == 5
    assert len(findings()) == 1


def test_access_review_and_archived_approver(odoo_server):
    admin = _connect(odoo_server, "admin", "admin")
    login, password = _new_user(
        admin, "reviewer", ["sales_internal_control.group_control_manager"]
    )
    reviewer = _connect(odoo_server, login, password)
    leaver_login, _password = _new_user(
        admin, "leaver", ["sales_team.group_sale_manager"]
    )
    [leaver_id] = admin("res.users", "search", [("login", "=", leaver_login)])
    group_id = admin(
        "ir.model.data", "check_object_reference", "sales_team", "group_sale_manager"
    )[1]
    review_id = reviewer("control.access.review", "create", {"name": "RPC review"})
    [line_id] = reviewer(
        "control.access.review.line",
        "search",
        [("review_id", "=", review_id), ("user_id", "=", leaver_id)],
    )
    with pytest.raises(xmlrpc.client.Fault, match="Keep or Revoke"):
        reviewer(
            "control.access.review.line", "write", [line_id], {"decision": "maybe"}
        )
    assert reviewer(
        "control.access.review.line",
        "write",
        [line_id],
        {"decision": "revoke", "group_ids": [(6, 0, [group_id])]},
    )
    assert reviewer("control.access.review", "action_apply", [review_id]) is True
    groups = admin("res.users", "read", [leaver_id], ["groups_id"])[0]["groups_id"]
    assert group_id not in groups
    assert admin(
        "control.log",
        "search",
        [
            ("event", "=", "sod"),
            ("res_model", "=", "res.users"),
            ("res_id", "=", leaver_id),
        ],
    )
    with pytest.raises(xmlrpc.client.Fault, match="already applied"):
        reviewer("control.access.review", "action_apply", [review_id])
