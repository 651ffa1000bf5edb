"""The dunning over XML-RPC on the demo database (issue 12).

A credit controller runs the dunning of one customer: its invoice 65 days
late reaches the shipped credit-hold level, a mail is queued (``mail.mail``)
and the customer is put on hold, which names the level when an order is
refused; running again the same day sends nothing; a salesperson records a
promise to pay (a date in the past is refused), a salesperson may not run
the dunning nor dispute; once the invoice is paid, the run lifts its own
hold. The mail carries the customer statement as PDF. Names are unique,
so the test runs on a database with the demo data.
"""

import datetime
import uuid
import xmlrpc.client

import pytest
from test_anomaly_xmlrpc import _new_user
from test_xmlrpc import _connect


def test_dunning_run_hold_and_lift(odoo_server):
    admin = _connect(odoo_server, "admin", "admin")
    tag = uuid.uuid4().hex[:6].upper()
    controller = _connect(
        odoo_server,
        *_new_user(
            admin,
            "dunning_controller",
            ["credit_rating.group_credit_controller", "sales_team.group_sale_manager"],
        ),
    )
    salesman = _connect(
        odoo_server,
        *_new_user(
            admin, "dunning_salesman", ["sales_team.group_sale_salesman_all_leads"]
        ),
    )
    customer_id = admin(
        "res.partner",
        "create",
        {
            "name": f"RPC Dunning Customer {tag}",
            "is_company": True,
            "email": f"ap-{tag.lower()}@example.com",
        },
    )
    today = datetime.date.today()

    def invoice(days_late, price):
        due = (today - datetime.timedelta(days=days_late)).isoformat()
        move_id = admin(
            "account.move",
            "create",
            {
                "move_type": "out_invoice",
                "partner_id": customer_id,
                "invoice_date": due,
                "invoice_date_due": due,
                "invoice_line_ids": [
                    (0, 0, {"name": "RPC service", "quantity": 1, "price_unit": price})
                ],
            },
        )
        admin("account.move", "action_post", [move_id])
        return move_id

    late_id = invoice(65, 500.0)
    recent_id = invoice(3, 70.0)
    hold_level = admin(
        "ir.model.data",
        "check_object_reference",
        "credit_rating",
        "credit_dunning_level_hold",
    )[1]

    # A salesperson may not run the dunning.
    with pytest.raises(xmlrpc.client.Fault) as fault:
        salesman("res.partner", "action_dunning_run", [customer_id])
    assert "credit controllers" in fault.value.faultString

    summary = controller("res.partner", "action_dunning_run", [customer_id])
    assert summary["sent"] == 1
    assert summary["holds"] == 1
    late = admin(
        "account.move", "read", [late_id], fields=["dunning_level_id", "name"]
    )[0]
    assert late["dunning_level_id"][0] == hold_level
    partner = admin(
        "res.partner",
        "read",
        [customer_id],
        fields=["credit_hold", "credit_hold_dunning", "dunning_level_id"],
    )[0]
    assert partner["credit_hold"] and partner["credit_hold_dunning"]
    assert partner["dunning_level_id"][0] == hold_level
    dunnings = controller(
        "credit.dunning",
        "search_read",
        [["partner_id", "=", customer_id]],
        fields=["state", "level_id", "invoice_ids", "amount_overdue", "message_id"],
    )
    assert len(dunnings) == 1
    assert dunnings[0]["state"] == "sent"
    assert sorted(dunnings[0]["invoice_ids"]) == sorted([late_id, recent_id])
    assert dunnings[0]["amount_overdue"] == pytest.approx(570.0)
    mails = admin(
        "mail.mail",
        "search_read",
        [["model", "=", "credit.dunning"], ["res_id", "=", dunnings[0]["id"]]],
        fields=["subject", "body_html", "state", "attachment_ids"],
    )
    assert len(mails) == 1
    assert late["name"] in mails[0]["body_html"]
    assert "Credit hold" in mails[0]["subject"]
    # The customer statement is attached as a PDF (rendered by wkhtmltopdf on
    # a real server; without it the mail goes alone, with a note).
    attachments = admin(
        "ir.attachment",
        "read",
        mails[0]["attachment_ids"],
        fields=["name", "mimetype"],
    )
    notes = admin("credit.dunning", "read", [dunnings[0]["id"]], ["statement_note"])
    if notes[0]["statement_note"]:
        assert not attachments
    else:
        assert [a["name"] for a in attachments] == [
            f"Customer Statement - RPC Dunning Customer {tag}.pdf"
        ]
        assert attachments[0]["mimetype"] == "application/pdf"

    # The order is refused, naming the dunning level.
    order_id = controller(
        "sale.order",
        "create",
        {
            "partner_id": customer_id,
            "order_line": [
                (
                    0,
                    0,
                    {
                        "name": "RPC item",
                        "product_uom_qty": 1,
                        "price_unit": 10.0,
                        "product_id": admin(
                            "product.product",
                            "search",
                            [["sale_ok", "=", True]],
                            limit=1,
                        )[0],
                    },
                )
            ],
        },
    )
    with pytest.raises(xmlrpc.client.Fault) as fault:
        controller("sale.order", "action_confirm", [order_id])
    assert "credit hold set by dunning level Credit hold" in fault.value.faultString

    # Idempotent within a day.
    again = controller("res.partner", "action_dunning_run", [customer_id])
    assert (again["sent"], again["holds"]) == (0, 0)

    # A promise to pay: sales users, with a note, never in the past.
    with pytest.raises(xmlrpc.client.Fault) as fault:
        salesman(
            "account.move",
            "action_dunning_promise",
            [recent_id],
            (today - datetime.timedelta(days=2)).isoformat(),
            "Paid last week, they say",
        )
    assert "in the past" in fault.value.faultString
    assert salesman(
        "account.move",
        "action_dunning_promise",
        [recent_id],
        (today + datetime.timedelta(days=5)).isoformat(),
        "Promised by phone",
    )
    with pytest.raises(xmlrpc.client.Fault):
        salesman("account.move", "action_dunning_dispute", [recent_id], "Wrong price")

    # Paid: the hold the dunning set is lifted by the next run, and logged.
    admin(
        "account.payment.register",
        "action_create_payments",
        [
            admin(
                "account.payment.register",
                "create",
                {"payment_date": today.isoformat()},
                context={"active_model": "account.move", "active_ids": [late_id]},
            )
        ],
        context={"active_model": "account.move", "active_ids": [late_id]},
    )
    lifted = controller("res.partner", "action_dunning_run", [customer_id])
    assert lifted["lifted"] == 1
    partner = admin(
        "res.partner",
        "read",
        [customer_id],
        fields=["credit_hold", "credit_hold_dunning"],
    )[0]
    assert not partner["credit_hold"] and not partner["credit_hold_dunning"]
    logs = admin(
        "control.log",
        "search_read",
        [
            ["res_model", "=", "res.partner"],
            ["res_id", "=", customer_id],
            ["event", "=", "dunning"],
        ],
        fields=["message"],
    )
    messages = " ".join(log["message"] for log in logs)
    assert "put on credit hold" in messages
    assert "lifted" in messages
