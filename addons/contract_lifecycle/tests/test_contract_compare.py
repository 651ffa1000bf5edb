from datetime import date

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..models.contract_redline import redline
from .common import ContractCase


@tagged("post_install", "-at_install")
class TestContractCompare(ContractCase):
    """The redline of a version against the one it amends."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.term_30 = cls.env["account.payment.term"].create({"name": "IC 30 days"})
        cls.term_60 = cls.env["account.payment.term"].create({"name": "IC 60 days"})
        cls.contract = cls._signed_contract(
            payment_term_id=cls.term_30.id,
            delivery_terms="Deliver within 30 days to Shanghai.\nFree shipping.",
            penalty_terms="1% per week of delay.",
            milestone_ids=[
                Command.create(
                    {"name": "Advance", "date_due": date(2026, 2, 1), "amount": 300.0}
                ),
                Command.create(
                    {"name": "Balance", "date_due": date(2026, 9, 1), "amount": 700.0}
                ),
            ],
        )

    def _amend(self, **values):
        action = self.contract.action_amend()
        new = self.env["contract.contract"].browse(action["res_id"])
        new.with_user(self.salesman).write(values)
        return new

    def test_redline_words(self):
        html = str(redline("Deliver within 30 days", "Deliver within 15 days"))
        self.assertIn("Deliver within ", html)
        self.assertRegex(html, r"<del[^>]*>30</del><ins[^>]*>15</ins>")
        self.assertEqual(str(redline("same", "same")), "same")
        self.assertRegex(str(redline("", "new text")), r"^<ins[^>]*>new text</ins>$")
        self.assertRegex(str(redline("old", False)), r"^<del[^>]*>old</del>$")

    def test_diff_of_an_amendment(self):
        self.assertFalse(self.contract.diff_html)
        new = self._amend(
            amount_total=1200.0,
            date_end=date(2027, 6, 30),
            payment_term_id=self.term_60.id,
            delivery_terms="Deliver within 15 days to Beijing.\nFree shipping.",
            penalty_terms="<script>alert('x')</script> 2% per week & more.",
        )
        new.milestone_ids[1].with_user(self.salesman).amount = 900.0
        html = str(new.diff_html)
        self.assertIn("Version 2 against version 1", html)
        self.assertRegex(html, r"Contract Amount</th><td><del[^>]*>\$\s?1,000.00")
        self.assertRegex(html, r"<ins[^>]*>\$\s?1,200.00")
        self.assertIn("IC 30 days", html)
        self.assertIn("IC 60 days", html)
        self.assertRegex(html, r"<del[^>]*>30</del><ins[^>]*>15</ins>")
        self.assertRegex(html, r"<del[^>]*>Shanghai.</del><ins[^>]*>Beijing.</ins>")
        self.assertIn("Free shipping.", html)
        # User text is escaped: no markup of its own reaches the page.
        self.assertNotIn("<script>", html)
        self.assertIn("&lt;script&gt;", html)
        self.assertIn("<ins", html)
        self.assertIn("&amp;", html)
        # The payment plan: the changed milestone old -> new, the other kept.
        self.assertIn("Balance", html)
        self.assertRegex(html, r"<ins[^>]*>Balance, due [^<]*: \$\s?900.00")
        self.assertNotIn("Advance", html)
        # Unchanged fields are not listed.
        self.assertNotIn("Renewal Notice", html)
        self.assertNotIn("Responsible", html)

    def test_no_change_and_action_compare(self):
        new = self._amend()
        # An amendment starts today: only the start date changed.
        html = str(new.diff_html)
        self.assertEqual(html.count("<tr>"), 2)  # the header and one row
        self.assertRegex(html, r"Start Date</th><td><del[^>]*>01/01/2026")
        plain = self._contract()
        self.assertIn("no change", str(plain._diff_html(plain)))
        action = new.action_compare()
        self.assertEqual(action["res_id"], new.id)
        self.assertEqual(action["target"], "new")
        with self.assertRaisesRegex(UserError, "first version"):
            self.contract.action_compare()

    def test_approval_request_shows_the_redline(self):
        self.env["control.approval.rule"].sudo().create(
            {
                "name": "All contracts",
                "model_name": "contract.contract",
                "amount_min": 0.0,
                "tier_ids": [
                    Command.create({"name": "Boss", "user_id": self.manager2.id})
                ],
            }
        )
        new = self._amend(penalty_terms="2% per week of delay.")
        self._attach(new)
        new.with_user(self.salesman).action_submit()
        request = new.approval_request_ids
        self.assertEqual(len(request), 1)
        html = str(request.with_user(self.manager2).contract_diff_html)
        self.assertRegex(html, r"<del[^>]*>1%</del><ins[^>]*>2%</ins>")
        # Requests of other documents have none.
        self.assertFalse(
            self.env["control.approval.request"]
            .search([("res_model", "!=", "contract.contract")], limit=1)
            .contract_diff_html
        )
