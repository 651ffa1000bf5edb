from lxml import etree

from odoo import Command
from odoo.tests import tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditForm(CreditCommon):
    """The credit tab (limit used, score breakdown, grade history), the
    Blocked Orders queue and a credit block after the last approval tier."""

    def test_utilization_breakdown_history(self):
        self._order(amount=900.0).action_confirm()
        partner = self.customer.with_user(self.controller)
        self.assertAlmostEqual(partner.credit_utilization, 90.0)
        self.customer.with_user(self.controller).credit_limit = 0.0
        self.customer.invalidate_recordset()
        self.assertEqual(partner.credit_utilization, 0.0)
        # The breakdown lists every factor of the active scorecard and adds
        # up to the score the scorecard gives today.
        scorecard = self.env["credit.scorecard"]._get_active(self.company)
        self.assertTrue(scorecard)
        html = str(partner.credit_score_breakdown)
        labels = dict(
            scorecard.factor_ids._fields["factor"]._description_selection(self.env)
        )
        for line in scorecard.factor_ids:
            self.assertIn(labels[line.factor], html)
        values = scorecard._factor_values(self.customer)[self.customer.id]
        self.assertIn(f">{scorecard._score(values)}</td></tr></tfoot>", html)
        # Grade changes show in the tab, for the current company.
        self.customer.sudo()._credit_set_grade("C", score=45)
        self.assertEqual(partner.credit_grade_history_ids.mapped("new_grade"), ["C"])
        self.assertEqual(partner.credit_grade_history_ids.score, 45)
        # Salespeople see the history but not the figures.
        fields_ = self.customer.with_user(self.salesman).fields_get()
        self.assertIn("credit_grade_history_ids", fields_)
        self.assertNotIn("credit_score_breakdown", fields_)
        self.assertNotIn("credit_utilization", fields_)

    def test_blocked_orders_empty_state(self):
        action = self.env.ref("credit_rating.sale_order_action_credit_blocked")
        self.assertIn("o_view_nocontent_smiling_face", action.help)
        arch = self.env["sale.order"].get_view(action.view_id.id, "list")["arch"]
        self.assertEqual(etree.fromstring(arch).get("sample"), "0")

    def test_block_after_last_tier_is_a_credit_block(self):
        self.company.control_approval_sale = True
        approvers = self.env.ref("sales_team.group_sale_salesman_all_leads")
        self.env["control.approval.rule"].create(
            {
                "name": "Credit form rule",
                "model_name": "sale.order",
                "amount_min": 1.0,
                "tier_ids": [
                    Command.create({"name": "Lead", "group_id": approvers.id})
                ],
            }
        )
        order = self._order(amount=1500.0)
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.approval_state, "pending")
        order.sudo().approval_request_ids.with_user(self.controller).action_approve()
        self.assertEqual(order.state, "draft")
        blocked = self._logs(order, "blocked")
        self.assertEqual(len(blocked), 1)
        self.assertEqual(blocked.user_id, self.controller)
        self.assertEqual(blocked.control, "credit")
        self.assertAlmostEqual(blocked.amount, 1500.0)
        self.assertIn("Approved, but", blocked.message)
        self.assertIn("Credit check failed", blocked.message)
        # So it is in the credit controllers' queue.
        self.assertTrue(order.credit_blocked)
