import math

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import BudgetCommon


@tagged("post_install", "-at_install")
class TestBudgetChange(BudgetCommon):
    """Change requests: approval, application, revisions, the locked amount."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["control.approval.rule"].sudo().search([]).active = False
        cls.manager_2 = new_test_user(
            cls.env,
            login="budget_boss_2",
            groups="budget_control.group_budget_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        # A requester without an e-mail address.
        cls.owner.partner_id.email = False
        cls.Change = cls.env["control.budget.change"]

    def _change(self, amount, change_type="increase", budget=None, user=None, **vals):
        return (
            self.Change.with_user(user or self.owner)
            .create(
                dict(
                    {
                        "budget_id": (budget or self.budget_a).id,
                        "change_type": change_type,
                        "amount": amount,
                        "reason": "Trade fair in spring",
                    },
                    **vals,
                )
            )
            .sudo(False)
        )

    def _pending(self, change):
        return change.sudo().approval_request_ids.filtered(
            lambda r: r.state == "pending"
        )

    def _approve(self, change, user=None):
        self._pending(change).with_user(user or self.budget_manager).action_approve()

    # The flow

    def test_increase_approved_by_a_budget_manager_is_applied(self):
        change = self._change(500.0)
        self.assertTrue(change.name.startswith("BCR/"))
        self.assertEqual(change.state, "draft")
        self.assertEqual(change.company_id, self.company)
        change.action_submit()
        self.assertEqual(change.state, "to_approve")
        self.assertEqual(change.approval_state, "pending")
        self.assertEqual(change.requested_by_id, self.owner)
        request = self._pending(change)
        self.assertEqual(len(request), 1)
        self.assertEqual(
            request.group_id, self.env.ref("budget_control.group_budget_manager")
        )
        self.assertEqual(self.budget_a.amount, 1000.0)
        # Not approvable by the requester, nor by someone without the group.
        with self.assertRaises(UserError):
            request.with_user(self.owner).action_approve()
        with self.assertRaises(AccessError):
            request.with_user(self.purchase_user).action_approve()

        self._approve(change)
        self.assertEqual(change.state, "applied")
        self.assertEqual(change.approval_state, "approved")
        self.assertTrue(change.applied_date)
        self.assertEqual(self.budget_a.amount, 1500.0)
        revisions = self.budget_a.revision_ids.sorted("id")
        self.assertEqual(len(revisions), 2)
        self.assertEqual(
            (revisions[0].amount_before, revisions[0].amount_after), (0.0, 1000.0)
        )
        self.assertFalse(revisions[0].change_id)
        self.assertEqual(revisions[1].change_id, change)
        self.assertEqual(
            (revisions[1].amount_before, revisions[1].amount_after), (1000.0, 1500.0)
        )
        self.assertEqual(revisions[1].amount_delta, 500.0)
        self.assertEqual(revisions[1].user_id, self.budget_manager)
        logs = self._logs("budget_change", change)
        self.assertEqual(len(logs), 2)  # submitted, applied
        self.assertTrue(any("1,500.00" in log.message for log in logs))
        self.assertIn(change.name, self.budget_a.message_ids[0].body)

    def test_requester_who_is_budget_manager_cannot_approve_own_change(self):
        change = self._change(100.0, user=self.budget_manager)
        change.with_user(self.budget_manager).action_submit()
        with self.assertRaises(UserError):
            self._approve(change, self.budget_manager)
        self.assertEqual(change.state, "to_approve")
        self._approve(change, self.manager_2)
        self.assertEqual(change.state, "applied")
        self.assertEqual(self.budget_a.amount, 1100.0)

    def test_rejection_changes_nothing(self):
        change = self._change(300.0, "decrease")
        change.action_submit()
        with self.assertRaises(UserError):
            self._pending(change).with_user(self.budget_manager).action_reject(" ")
        self._pending(change).with_user(self.budget_manager).action_reject("No")
        self.assertEqual(change.state, "rejected")
        self.assertEqual(change.approval_state, "rejected")
        self.assertEqual(self.budget_a.amount, 1000.0)
        self.assertEqual(len(self.budget_a.revision_ids), 1)
        self.assertEqual(len(self._logs("budget_change", change)), 2)
        with self.assertRaises(UserError):
            change.action_submit()
        with self.assertRaises(UserError):
            change.sudo().unlink()

    def test_transfer_moves_the_amount(self):
        change = self._change(
            200.0, "transfer", target_budget_id=self.budget_b.id, user=self.owner
        )
        change.action_submit()
        self._approve(change)
        self.assertEqual(change.state, "applied")
        self.assertEqual(self.budget_a.amount, 800.0)
        self.assertEqual(self.budget_b.amount, 1200.0)
        self.assertEqual(
            sorted(
                change.revision_ids.mapped(lambda r: (r.budget_id.id, r.amount_after))
            ),
            [(self.budget_a.id, 800.0), (self.budget_b.id, 1200.0)],
        )
        self.assertEqual(self.budget_b.change_count, 1)

    def test_emergency_approval_applies(self):
        emergency = new_test_user(
            self.env,
            login="budget_emergency",
            groups="sales_internal_control.group_emergency_approver",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        change = self._change(50.0)
        change.action_submit()
        self._pending(change).with_user(emergency).action_emergency_approve("Fire")
        self.assertEqual(change.state, "applied")
        self.assertEqual(self.budget_a.amount, 1050.0)

    def test_rule_on_changes_replaces_the_budget_manager_tier(self):
        controller = new_test_user(
            self.env,
            login="budget_cfo",
            groups="sales_internal_control.group_control_manager",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.env["control.approval.rule"].sudo().create(
            {
                "name": "Large budget changes",
                "model_name": "control.budget.change",
                "amount_min": 1000.0,
                "company_id": self.company.id,
                "tier_ids": [
                    Command.create(
                        {
                            "name": "Manager",
                            "group_id": self.env.ref(
                                "budget_control.group_budget_manager"
                            ).id,
                        }
                    ),
                    Command.create({"name": "CFO", "user_id": controller.id}),
                ],
            }
        )
        small = self._change(100.0)
        small.action_submit()
        self.assertEqual(len(small.sudo().approval_request_ids), 1)
        big = self._change(2000.0)
        big.action_submit()
        requests = big.sudo().approval_request_ids.sorted("sequence")
        self.assertEqual(requests.mapped("tier_name"), ["Manager", "CFO"])
        self._approve(big)
        self.assertEqual(big.state, "to_approve")
        self.assertEqual(self.budget_a.amount, 1000.0)
        self._pending(big).with_user(controller).action_approve()
        self.assertEqual(big.state, "applied")
        self.assertEqual(self.budget_a.amount, 3000.0)

    # Never below consumed

    def test_decrease_below_consumed_refused_at_submission(self):
        self._po(700.0).button_confirm()
        change = self._change(400.0, "decrease")
        with self.assertRaisesRegex(UserError, "below what it has consumed") as error:
            change.action_submit()
        message = str(error.exception)
        for figure in ("1,000.00", "600.00", "700.00", change.name):
            self.assertIn(figure, message)
        self.assertEqual(change.state, "draft")
        self.assertFalse(change.sudo().approval_request_ids)
        self.assertEqual(len(self._logs("blocked", change)), 1)
        transfer = self._change(350.0, "transfer", target_budget_id=self.budget_b.id)
        with self.assertRaises(UserError):
            transfer.action_submit()
        # Down to the consumed amount exactly is allowed.
        exact = self._change(300.0, "decrease")
        exact.action_submit()
        self._approve(exact)
        self.assertEqual(exact.state, "applied")
        self.assertEqual(self.budget_a.amount, 700.0)
        self.assertEqual(self.budget_a.remaining_amount, 0.0)

    def test_decrease_rechecked_at_application(self):
        first = self._change(300.0, "decrease")
        second = self._change(300.0, "decrease")
        (first | second).action_submit()
        po = self._po(500.0)
        po.button_confirm()
        self._approve(first)  # 1000 - 300 = 700 >= 500
        self.assertEqual(first.state, "applied")
        self._approve(second)  # 700 - 300 = 400 < 500: stays waiting
        self.assertEqual(second.state, "to_approve")
        self.assertEqual(second.approval_state, "approved")
        self.assertEqual(self.budget_a.amount, 700.0)
        self.assertFalse(second.revision_ids)
        blocked = self._logs("blocked", second)
        self.assertEqual(len(blocked), 1)
        self.assertIn("400.00", blocked.message)
        # Once the order is cancelled, the approved change can be applied.
        with self.assertRaises(UserError):
            second.action_apply()
        po.button_cancel()
        second.action_apply()
        self.assertEqual(second.state, "applied")
        self.assertEqual(self.budget_a.amount, 400.0)
        with self.assertRaises(UserError):
            second.action_apply()

    def test_batch_of_decreases_counted_together(self):
        self._po(500.0).button_confirm()
        changes = self._change(300.0, "decrease") | self._change(300.0, "decrease")
        with self.assertRaises(UserError):
            changes.action_submit()
        self.assertEqual(set(changes.mapped("state")), {"draft"})

    # The applied state and the planned amount are the engine's

    def test_applied_only_through_approval(self):
        change = self._change(100.0)
        with self.assertRaises(AccessError):
            change.write({"state": "applied"})
        with self.assertRaises(AccessError):
            self._change(100.0, state="applied")
        with self.assertRaises(AccessError):
            self._change(100.0, name="MINE")
        with self.assertRaises(AccessError):
            self._change(100.0, approval_state="approved")
        # Even in sudo, no approval, no application.
        change.action_submit()
        with self.assertRaisesRegex(UserError, "approval is Pending"):
            change.sudo().write({"state": "applied"})
        self.assertEqual(self.budget_a.amount, 1000.0)
        with self.assertRaises(UserError):
            change.action_apply()

    def test_submitted_change_is_locked(self):
        change = self._change(100.0)
        change.write({"amount": 150.0, "reason": "Bigger fair"})
        change.action_submit()
        with self.assertRaises(UserError):
            change.write({"amount": 5000.0})
        with self.assertRaises(UserError):
            change.write({"budget_id": self.budget_b.id})
        change.write({"reason": "Bigger fair"})  # the same value: no change
        self._approve(change)
        self.assertEqual(self.budget_a.amount, 1150.0)
        with self.assertRaises(UserError):
            change.sudo().write({"amount": 1.0})

    def test_confirmed_amount_written_only_by_a_change(self):
        admin = self.env.ref("base.user_admin")
        admin.groups_id += self.env.ref("budget_control.group_budget_manager")
        for user in (self.budget_manager, admin):
            with self.assertRaisesRegex(AccessError, "change request"):
                self.budget_a.with_user(user).write({"amount": 5000.0})
        with self.assertRaises(AccessError):
            self.budget_a.with_user(admin).with_context(budget_change_apply=True).write(
                {"amount": 5000.0}
            )
        # Saving the form with the same amount is fine.
        self.budget_a.with_user(self.budget_manager).write(
            {"amount": 1000.0, "name": "Marketing"}
        )
        # Back in draft, the confirmed amount stays.
        self.budget_a.with_user(self.budget_manager).action_draft()
        with self.assertRaises(AccessError):
            self.budget_a.with_user(self.budget_manager).write({"amount": 5.0})
        with self.assertRaises(AccessError):
            self.budget_a.with_user(self.budget_manager).write(
                {"amount": 5.0, "state": "confirmed"}
            )
        # A draft never confirmed is planned freely, and confirmed with it.
        draft = self._budget("Draft plan", self.account_b, 10.0, confirm=False)
        draft.with_user(self.budget_manager).write({"amount": 20.0})
        draft.with_user(self.budget_manager).write(
            {"amount": 30.0, "state": "confirmed"}
        )
        self.assertEqual(draft.revision_ids.amount_after, 30.0)
        self.assertEqual(self.budget_a.amount, 1000.0)

    def test_revisions_never_written(self):
        revision = self.budget_a.revision_ids
        self.assertEqual(len(revision), 1)
        for env_revision in (revision, revision.sudo()):
            with self.assertRaises(UserError):
                env_revision.write({"amount_after": 1e6})
            with self.assertRaises(UserError):
                env_revision.unlink()
        with self.assertRaises(AccessError):
            self.env["control.budget.revision"].with_user(self.budget_manager).create(
                {
                    "budget_id": self.budget_a.id,
                    "amount_before": 0.0,
                    "amount_after": 1.0,
                    "user_id": self.budget_manager.id,
                    "company_id": self.company.id,
                }
            )
        # A budget with a history cannot be deleted.
        with self.assertRaises(Exception):  # noqa: B017 restrict (psycopg2/UserError)
            with self.env.cr.savepoint():
                self.budget_a.sudo().unlink()
        self.assertTrue(self.budget_a.exists())

    # Bad input

    def test_bad_input_refused(self):
        other_company = self.env["res.company"].create(
            {"name": "Budget Change Co B", "currency_id": self.company.currency_id.id}
        )
        self.env.user.company_ids += other_company
        other_budget = self._budget(
            "Other company budget", self.account_b, 1000.0, company=other_company
        )
        draft = self._budget("Draft budget", self.account_b, 100.0, confirm=False)
        done = self._budget("Done budget", self.account_b, 100.0)
        done.action_done()
        cases = [
            {"amount": 0.0},
            {"amount": -5.0},
            {"amount": math.nan},
            {"amount": math.inf},
            {"amount": "abc"},
            {"reason": False},
            {"reason": "   "},
            {"budget_id": draft.id},
            {"budget_id": done.id},
            {"change_type": "transfer"},
            {"change_type": "transfer", "target_budget_id": self.budget_a.id},
            {"change_type": "transfer", "target_budget_id": other_budget.id},
            {"change_type": "transfer", "target_budget_id": draft.id},
            {"change_type": "increase", "target_budget_id": self.budget_b.id},
        ]
        count = self.Change.sudo().search_count([])
        for vals in cases:
            with self.subTest(vals=vals), self.assertRaises(ValidationError):
                self.Change.create(
                    dict(
                        {
                            "budget_id": self.budget_a.id,
                            "change_type": "increase",
                            "amount": 10.0,
                            "reason": "Because",
                        },
                        **vals,
                    )
                )
        self.assertEqual(self.Change.sudo().search_count([]), count)
        change = self._change(10.0)
        for vals in ({"amount": -1.0}, {"reason": ""}, {"budget_id": done.id}):
            with self.subTest(vals=vals), self.assertRaises(ValidationError):
                change.write(vals)
        self.assertEqual(change.amount, 10.0)
        # A budget closed after the request was written: refused at submission.
        self.budget_a.action_done()
        with self.assertRaises(UserError):
            change.action_submit()
        self.assertEqual(change.state, "draft")
        self.assertEqual(self.budget_a.amount, 1000.0)

    def test_user_without_rights(self):
        buyer_change = self.Change.with_user(self.purchase_user)
        with self.assertRaises(AccessError):
            buyer_change.create(
                {
                    "budget_id": self.budget_a.id,
                    "amount": 10.0,
                    "reason": "Mine",
                }
            )
        change = self._change(10.0)
        with self.assertRaises(AccessError):
            change.with_user(self.purchase_user).action_submit()
        # Another company's user sees no change of this one.
        other_company = self.env["res.company"].create({"name": "Budget Co C"})
        stranger = new_test_user(
            self.env,
            login="budget_stranger",
            groups="budget_control.group_budget_manager",
            company_id=other_company.id,
            company_ids=[Command.set(other_company.ids)],
        )
        self.assertFalse(self.Change.with_user(stranger).search([]))
        with self.assertRaises(AccessError):
            self.Change.with_user(stranger).create(
                {"budget_id": self.budget_a.id, "amount": 10.0, "reason": "Theirs"}
            )
        self.assertFalse(
            self.env["control.budget.revision"].with_user(stranger).search([])
        )
