"""Two invoices of one contract posted at the same moment never exceed it.

Each invoice fits in the contract alone, both together do not. They are
posted from two threads, each with its own XML-RPC connection (so two
requests and two database transactions in the server): the contract check
locks the contract row, the second transaction waits, fails to serialize,
is retried by Odoo and then sees the first invoice.
"""

import base64
import datetime
import uuid
import xmlrpc.client

from concurrent_calls import at_once


class Client:
    def __init__(self, server, login, password):
        self.db, self.password = server["db"], password
        common = xmlrpc.client.ServerProxy(f"{server['url']}/xmlrpc/2/common")
        self.uid = common.authenticate(self.db, login, password, {})
        assert self.uid, f"{login} cannot log in"
        self.models = xmlrpc.client.ServerProxy(
            f"{server['url']}/xmlrpc/2/object", allow_none=True
        )

    def __call__(self, model, method, *args, **kwargs):
        return self.models.execute_kw(
            self.db, self.uid, self.password, model, method, list(args), kwargs
        )


def _ref(admin, xmlid):
    module, name = xmlid.split(".")
    return admin(
        "ir.model.data",
        "search_read",
        [["module", "=", module], ["name", "=", name]],
        fields=["res_id"],
    )[0]["res_id"]


def test_two_invoices_at_once_never_exceed_the_contract(odoo_server):
    admin = Client(odoo_server, "admin", "admin")
    tag = uuid.uuid4().hex[:8]
    manager_login = f"ct_conc_{tag}"
    admin(
        "res.users",
        "create",
        {
            "name": f"Contract Manager {tag}",
            "login": manager_login,
            "password": f"pw-{tag}-Secret",
            "groups_id": [
                (4, _ref(admin, "base.group_user")),
                (4, _ref(admin, "sales_team.group_sale_salesman")),
                (4, _ref(admin, "contract_lifecycle.group_contract_manager")),
            ],
        },
    )
    manager = Client(odoo_server, manager_login, f"pw-{tag}-Secret")
    company = admin("res.users", "read", [admin.uid], fields=["company_id"])[0]
    company_id = company["company_id"][0]
    currency_id = admin("res.company", "read", [company_id], fields=["currency_id"])[0][
        "currency_id"
    ][0]
    partner_id = admin("res.partner", "create", {"name": f"Concurrent Customer {tag}"})
    today = datetime.date.today()
    contract_id = admin(
        "contract.contract",
        "create",
        {
            "partner_id": partner_id,
            "contract_type": "sale",
            "amount_total": 1000.0,
            "currency_id": currency_id,
            "date_start": str(today - datetime.timedelta(days=10)),
            "date_end": str(today + datetime.timedelta(days=300)),
        },
    )
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
    admin("contract.contract", "action_submit", [contract_id])
    manager("contract.contract", "action_approve", [contract_id])
    # Signed on paper: the scanned copy is attached after the approval.
    admin(
        "ir.attachment",
        "create",
        {
            "name": "signed-scan.pdf",
            "datas": base64.b64encode(b"%PDF-1.4 signed on paper").decode(),
            "res_model": "contract.contract",
            "res_id": contract_id,
        },
    )
    manager("contract.contract", "action_sign", [contract_id])
    state = admin("contract.contract", "read", [contract_id], fields=["state"])[0]
    assert state["state"] in ("signed", "active")

    invoice_ids = [
        admin(
            "account.move",
            "create",
            {
                "move_type": "out_invoice",
                "partner_id": partner_id,
                "contract_id": contract_id,
                "currency_id": currency_id,
                "invoice_date": str(today),
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "name": f"Service {index}",
                            "quantity": 1,
                            "price_unit": 600.0,
                            "tax_ids": [(6, 0, [])],
                        },
                    )
                ],
            },
        )
        for index in (1, 2)
    ]

    def post(client, invoice_id):
        client("account.move", "action_post", [invoice_id])
        return "posted"

    results = at_once(
        {
            invoice_id: (
                lambda: Client(odoo_server, "admin", "admin"),
                post,
            )
            for invoice_id in invoice_ids
        }
    )

    states = admin("account.move", "read", invoice_ids, fields=["state"])
    posted = [move for move in states if move["state"] == "posted"]
    assert len(posted) == 1, (results, states)
    refused = [text for text in results.values() if text != "posted"]
    assert len(refused) == 1, results
    assert "would exceed contract" in refused[0], refused[0]
    invoiced = admin(
        "contract.contract", "read", [contract_id], fields=["amount_invoiced"]
    )[0]["amount_invoiced"]
    assert invoiced == 600.0
    blocked = admin(
        "control.log",
        "search_count",
        [
            ["event", "=", "blocked"],
            ["res_model", "=", "account.move"],
            ["res_id", "in", invoice_ids],
        ],
    )
    assert blocked == 1
