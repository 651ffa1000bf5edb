from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditApprovalContext(CreditCommon):
    """The approver of an order sees the customer's credit; a credit block
    after the last tier reaches the approver and the requester."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.control_approval_sale = True
        cls.env["control.approval.rule"].create(
            {
                "name": "Orders from 1,000",
                "model_name": "sale.order",
                "amount_min": 1000.0,
                "tier_ids": [
                    Command.create({"name": "Controller", "user_id": cls.controller.id})
                ],
            }
        )

    def test_block_after_last_tier(self):
        order = self._order(amount=1500.0)
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.approval_state, "pending")
        request = order.sudo().approval_request_ids
        context = request.with_user(self.controller).document_context_html
        self.assertIn("Credit of Credit Customer Ltd: fails", context)
        self.assertIn("1,000.00", context)  # the limit
        self.assertIn("alert-danger", context)
        # The credit figures are for those who decide, not for the requester.
        self.assertFalse(
            request.with_user(self.salesman).read(["document_context_html"])[0][
                "document_context_html"
            ]
        )
        self.assertEqual(
            order.with_user(self.salesman).credit_status, False
        )  # not refused yet: the check runs after the last tier
        feedback = (
            request.with_user(self.controller)
            .with_context(approval_feedback=True)
            .action_approve()
        )
        self.assertEqual(feedback["params"]["type"], "danger")
        self.assertIn("Credit check failed", feedback["params"]["message"])
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.approval_state, "approved")
        activity = order.activity_ids.filtered(lambda a: a.user_id == self.salesman)
        self.assertEqual(len(activity), 1)
        self.assertIn("Credit check failed", activity.note)
        # The requester tries again: the approved order meets the credit check
        # and the lists show it blocked (the badge, the filter).
        # (the detached log line is written in the test transaction under
        # tests: no assertRaises, whose savepoint would undo it)
        try:
            order.with_user(self.salesman).action_confirm()
            self.fail("The order was confirmed over the limit")
        except UserError:
            order.write({"state": "draft"})  # the request's rollback, by hand
        order.invalidate_recordset(["credit_status"])
        self.assertEqual(order.credit_status, "blocked")
        self.assertEqual(
            self.env["sale.order"].search(
                [("id", "=", order.id), ("credit_blocked", "=", True)]
            ),
            order,
        )
