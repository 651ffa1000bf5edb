from datetime import timedelta

from odoo import Command, fields

from .common import CreditCommon


class DunningCommon(CreditCommon):
    """Four levels of the company (the shipped templates), a customer with an
    e-mail address and a salesperson, helpers to run the dunning."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        cls.company.dunning_min_amount = 1.0
        Level = cls.env["credit.dunning.level"]
        Level.search([]).active = False
        cls.level_1, cls.level_2, cls.level_3, cls.level_4 = Level.create(
            [
                {
                    "name": "Reminder",
                    "sequence": 1,
                    "days_overdue": 1,
                    "mail_template_id": cls.env.ref(
                        "credit_rating.mail_template_dunning_friendly"
                    ).id,
                },
                {
                    "name": "Second",
                    "sequence": 2,
                    "days_overdue": 15,
                    "mail_template_id": cls.env.ref(
                        "credit_rating.mail_template_dunning_second"
                    ).id,
                    "create_activity": True,
                    "activity_user": "salesperson",
                },
                {
                    "name": "Final",
                    "sequence": 3,
                    "days_overdue": 30,
                    "mail_template_id": cls.env.ref(
                        "credit_rating.mail_template_dunning_final"
                    ).id,
                    "create_activity": True,
                    "activity_user": "credit_controller",
                },
                {
                    "name": "Hold",
                    "sequence": 4,
                    "days_overdue": 60,
                    "mail_template_id": cls.env.ref(
                        "credit_rating.mail_template_dunning_hold"
                    ).id,
                    "credit_hold": True,
                },
            ]
        )
        cls.customer.write(
            {
                "email": "ap@credit-customer.example.com",
                "user_id": cls.salesman.id,
                "credit_limit": 0.0,
            }
        )
        # Only the dunning is under test: no block on overdue receivables.
        cls.company.credit_block_overdue = False

    @classmethod
    def _overdue(cls, days, amount=100.0, partner=None):
        """A posted invoice due ``days`` days ago."""
        due = cls.today - timedelta(days=days)
        return cls._invoice(partner or cls.customer, amount, due, due_date=due)

    def _run(self, partners=None, user=None):
        partners = partners if partners is not None else self.customer
        return partners.with_user(user or self.controller).action_dunning_run()

    def _dunnings(self, partner=None):
        return self.env["credit.dunning"].search(
            [("partner_id", "=", (partner or self.customer).id)]
        )

    def _mails(self, dunnings):
        return self.env["mail.mail"].search(
            [("model", "=", "credit.dunning"), ("res_id", "in", dunnings.ids)]
        )

    def _pay_amount(self, invoice, amount):
        return (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"amount": amount, "payment_date": self.today})
            ._create_payments()
        )

    def _refund(self, amount, partner=None):
        move = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": (partner or self.customer).id,
                "invoice_date": self.today,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        move.action_post()
        return move
