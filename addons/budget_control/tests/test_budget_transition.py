"""Issue 18 (items 1, 2, 5, 6, 14) for budgets: every way of confirming or
posting meets the budget check; no default forges a release."""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import BudgetCommon


@tagged("post_install", "-at_install")
class TestBudgetTransition(BudgetCommon):
    def _po_vals(self, amount, **extra):
        line = {
            "product_id": self.product.id,
            "product_qty": 1,
            "price_unit": amount,
            "taxes_id": [Command.clear()],
            "analytic_distribution": {str(self.account_a.id): 100},
        }
        return dict(
            {"partner_id": self.vendor.id, "order_line": [Command.create(line)]},
            **extra,
        )

    def test_purchase_created_confirmed_over_red(self):
        Order = self.env["purchase.order"].with_user(self.purchase_user)
        count = Order.search_count([])
        with self.assertRaisesRegex(UserError, "Marketing budget"):
            Order.create(self._po_vals(1500.0, state="purchase"))
        with self.assertRaisesRegex(UserError, "Marketing budget"):
            Order.with_context(default_state="purchase").create(self._po_vals(1500.0))
        self.assertEqual(Order.search_count([]), count)
        self.assertFigures(self.budget_a, actual=0.0, committed=0.0)
        order = Order.create(self._po_vals(400.0, state="purchase"))
        self.assertEqual(order.state, "purchase")
        self.assertFigures(self.budget_a, actual=0.0, committed=400.0)

    def test_bill_posted_by_a_plain_state_write(self):
        bill = self._bill(1500.0)
        with self.assertRaisesRegex(UserError, "Marketing budget"):
            bill.with_user(self.purchase_user).write({"state": "posted"})
        self.assertEqual(bill.state, "draft")
        self.assertFigures(self.budget_a, actual=0.0, committed=0.0)

    def test_release_defaults_refused(self):
        Order = self.env["purchase.order"].with_user(self.purchase_user)
        for key, value in {
            "default_budget_release_amount": 1e9,
            "default_budget_release_reason": "forged",
        }.items():
            with self.subTest(key=key):
                with self.assertRaisesRegex(AccessError, "budget release"):
                    Order.with_context(**{key: value}).create(self._po_vals(1500.0))

    def test_unit_of_measure_on_a_confirmed_line(self):
        order = self._po(400.0)
        order.button_confirm()
        dozen = self.env.ref("uom.product_uom_dozen")
        self.product.uom_po_id = self.product.uom_id
        with self.assertRaises(UserError) as refusal:
            order.order_line.with_user(self.purchase_user).write(
                {"product_uom": dozen.id, "price_unit": 4800.0}
            )
        self.assertIn("Marketing budget", str(refusal.exception))
        self.assertFigures(self.budget_a, actual=0.0, committed=400.0)

    def test_release_by_a_budget_manager_without_email(self):
        manager = new_test_user(
            self.env,
            login="budget_mute_boss",
            email=False,
            groups="budget_control.group_budget_manager,"
            "purchase.group_purchase_user,account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        manager.partner_id.email = False
        order = self._po(1500.0)
        with self.assertRaises(UserError):
            order.button_confirm()
        order.with_user(manager).action_budget_release("Trade fair")
        order.with_user(manager).button_confirm()
        self.assertEqual(order.state, "purchase")

    def _tracked_states(self, record):
        """The state changes in the record's chatter (Odoo writes them at
        the commit: its precommit hooks)."""
        self.env.flush_all()
        self.env.cr.precommit.run()
        return (
            self.env["mail.tracking.value"]
            .sudo()
            .search(
                [
                    ("mail_message_id.model", "=", record._name),
                    ("mail_message_id.res_id", "=", record.id),
                    ("field_id.name", "=", "state"),
                ]
            )
            .mapped(lambda value: (value.old_value_char, value.new_value_char))
        )

    def test_checked_state_change_is_tracked(self):
        """The check runs the confirmation in a savepoint inside the state's
        write: the chatter still records the change, as in plain Odoo."""
        # The invoicing test base turns the chatter's tracking off.
        user = self.purchase_user.with_context(
            tracking_disable=False, mail_notrack=False
        )
        po = self._po(300.0).with_env(user.env)
        # As if created by an earlier request (its commit: a record created
        # in the same transaction has no tracking).
        self.assertEqual(self._tracked_states(po), [])
        po.button_confirm()
        self.assertEqual(po.state, "purchase")
        self.assertEqual(self._tracked_states(po), [("RFQ", "Purchase Order")])
        bill = self._bill(200.0).with_env(user.env)
        self.assertEqual(self._tracked_states(bill), [])
        bill.action_post()
        self.assertEqual(self._tracked_states(bill), [("Draft", "Posted")])
