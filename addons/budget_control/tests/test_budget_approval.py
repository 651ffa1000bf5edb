from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import BudgetCommon


@tagged("post_install", "-at_install")
class TestBudgetWithApprovals(BudgetCommon):
    """A purchase order that needs an approval meets the budget when its last
    tier is approved, not when it is submitted."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["control.approval.rule"].sudo().search([]).active = False
        cls._po(600.0).button_confirm()
        cls.approver = new_test_user(
            cls.env,
            login="budget_po_approver",
            groups="purchase.group_purchase_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.env["control.approval.rule"].sudo().create(
            {
                "name": "Purchases from 500",
                "model_name": "purchase.order",
                "amount_min": 500.0,
                "company_id": cls.company.id,
                "tier_ids": [
                    Command.create(
                        {
                            "name": "Purchase manager",
                            "group_id": cls.env.ref(
                                "purchase.group_purchase_manager"
                            ).id,
                        }
                    )
                ],
            }
        )

    def _approve(self, po):
        request = po.approval_request_ids.filtered(lambda r: r.state == "pending")
        self.assertEqual(len(request), 1)
        request.with_user(self.approver).action_approve()

    def test_pending_order_does_not_consume_then_red_blocks_at_approval(self):
        po = self._po(500.0)
        po.with_user(self.purchase_user).button_confirm()
        self.assertEqual(po.approval_state, "pending")
        self.assertEqual(po.state, "draft")
        self.assertFigures(self.budget_a, 0.0, 600.0)

        self._approve(po)
        # Approved, but the budget (600 + 500 = 110%) keeps it unconfirmed.
        self.assertEqual(po.approval_state, "approved")
        self.assertEqual(po.state, "draft")
        self.assertFigures(self.budget_a, 0.0, 600.0)
        self.assertIn("blocked by budget", po.message_ids[0].body)
        blocked = self._logs("blocked", po)
        self.assertEqual(len(blocked), 1)
        self.assertIn("Approved, but", blocked.message)
        self.assertIn("110.00%", blocked.message)

        # The budget manager releases it; the buyer confirms without a new
        # approval round.
        po.with_user(self.budget_manager).action_budget_release("Trade fair")
        po.with_user(self.purchase_user).button_confirm()
        self.assertEqual(po.state, "purchase")
        self.assertFigures(self.budget_a, 0.0, 1100.0)
        self.assertEqual(len(po.approval_request_ids), 1)
        self.assertTrue(self._logs("override", po))

    def test_order_within_budget_confirms_at_approval(self):
        po = self._po(800.0, distribution={str(self.account_b.id): 100})
        po.with_user(self.purchase_user).button_confirm()
        self.assertEqual(po.state, "draft")
        self.assertFigures(self.budget_b, 0.0, 0.0)
        self._approve(po)
        self.assertEqual(po.approval_state, "approved")
        self.assertEqual(po.state, "purchase")
        self.assertFigures(self.budget_b, 0.0, 800.0)
        # 80%: the yellow crossing is logged once, for the confirmation.
        self.assertEqual(len(self._logs("threshold", po)), 1)

    def test_request_shows_the_budgets_and_block_reaches_the_buyer(self):
        po = self._po(500.0)
        po.with_user(self.purchase_user).button_confirm()
        request = po.approval_request_ids
        context = request.with_user(self.approver).document_context_html
        self.assertIn("Budgets this document consumes", context)
        self.assertIn(self.budget_a.display_name, context)
        self.assertIn("60.0", context)  # 600 of 1,000 committed
        self.assertNotIn(self.budget_b.display_name, context)
        feedback = (
            request.with_user(self.approver)
            .with_context(approval_feedback=True)
            .action_approve()
        )
        self.assertEqual(feedback["params"]["type"], "danger")
        self.assertIn("blocked by budget", feedback["params"]["message"])
        activity = po.activity_ids.filtered(lambda a: a.user_id == self.purchase_user)
        self.assertIn("blocked by budget", activity.note)
