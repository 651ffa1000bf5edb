from odoo import Command, fields
from odoo.addons.sales_internal_control.tests.common import SOD_RULES_OFF
from odoo.tests.common import TransactionCase, new_test_user


class CreditCommon(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.company.write(
            {
                "credit_block_grade_d": True,
                "credit_block_overdue": True,
                **SOD_RULES_OFF,
            }
        )
        cls.currency = cls.company.currency_id
        # Only the credit control is under test: no approval rule applies.
        cls.env["control.approval.rule"].search([]).active = False
        cls.env["control.anomaly.rule"].sudo().search([]).active = False
        cls.salesman = new_test_user(
            cls.env,
            login="credit_salesman",
            groups="sales_team.group_sale_salesman,base.group_partner_manager",
            company_id=cls.company.id,
        )
        cls.controller = new_test_user(
            cls.env,
            login="credit_controller",
            groups="sales_team.group_sale_salesman_all_leads,"
            "credit_rating.group_credit_controller",
            company_id=cls.company.id,
        )
        # One day for everyone at any hour (the dates of runs, promises and
        # reports are the user's, fields.Date.today() is UTC's): the test
        # users' time zone for the superuser too.
        cls.env.user.tz = "UTC"
        cls.customer = cls.env["res.partner"].create(
            {"name": "Credit Customer Ltd", "is_company": True, "credit_limit": 1000.0}
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "Buyer Contact", "parent_id": cls.customer.id}
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Credit Widget",
                "type": "consu",
                "list_price": 100.0,
                "invoice_policy": "order",
                "taxes_id": [Command.clear()],
            }
        )

    def _no_strategic_customers(self):
        """Clear the strategic flags of the company (demo data has one)."""
        partners = self.env["res.partner"].sudo()
        partners.search([("credit_strategic", "=", True)]).credit_strategic = False
        self.assertFalse(partners._credit_has_strategic(self.company.id))

    @classmethod
    def _order(cls, partner=None, amount=100.0, user=None, **vals):
        user = user or cls.salesman
        return (
            cls.env["sale.order"]
            .with_user(user)
            .create(
                {
                    "partner_id": (partner or cls.customer).id,
                    "user_id": user.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": cls.product.id,
                                "product_uom_qty": 1,
                                "price_unit": amount,
                                "tax_id": [Command.clear()],
                            }
                        )
                    ],
                    **vals,
                }
            )
        )

    @classmethod
    def _invoice(cls, partner, amount, date, due_date=None, post=True):
        move = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": date,
                "invoice_date_due": due_date or date,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        if post:
            move.action_post()
        return move

    @classmethod
    def _pay(cls, invoices, date=None):
        return (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create({"payment_date": date or fields.Date.today()})
            ._create_payments()
        )

    def _logs(self, record, event):
        return self.env["control.log"].search(
            [
                ("res_model", "=", record._name),
                ("res_id", "=", record.id),
                ("event", "=", event),
            ]
        )
