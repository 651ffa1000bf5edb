"""Access governance: access review campaigns and the approvals of archived
users (issue 17)."""

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import ApprovalCase


@tagged("post_install", "-at_install")
class TestAccessReview(ApprovalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reviewer = new_test_user(
            cls.env,
            login="ic_review_controller",
            groups="sales_internal_control.group_control_manager",
        )
        cls.leaver = new_test_user(
            cls.env,
            login="ic_review_leaver",
            groups="sales_team.group_sale_manager,account.group_account_invoice",
        )
        cls.sale_manager_group = cls.env.ref("sales_team.group_sale_manager")
        cls.billing_group = cls.env.ref("account.group_account_invoice")
        cls.env["res.users.log"].with_user(cls.leaver).sudo().create({})

    def _review(self, **values):
        return (
            self.env["control.access.review"]
            .with_user(self.reviewer)
            .create(dict({"name": "Q4 review"}, **values))
        )

    def _line(self, review, user):
        return review.line_ids.filtered(lambda line: line.user_id == user)

    def test_lines_generated_with_groups_and_logins(self):
        review = self._review()
        self.assertEqual(review.state, "draft")
        line = self._line(review, self.leaver)
        self.assertEqual(line.decision, "keep")
        self.assertTrue(line.last_login)
        # what was given, not what it implies, nor the user type
        self.assertIn(self.sale_manager_group, line.group_ids)
        self.assertNotIn(self.env.ref("sales_team.group_sale_salesman"), line.group_ids)
        self.assertNotIn(self.env.ref("base.group_user"), line.group_ids)
        self.assertFalse(self._line(review, self.reviewer))
        self.assertFalse(review.line_ids.user_id.filtered("share"))
        self.assertFalse(self._line(review, self.outsider).last_login)

    def test_apply_revokes_and_logs(self):
        review = self._review()
        review.action_start_review()
        line = self._line(review, self.leaver)
        line.write(
            {
                "decision": "revoke",
                "group_ids": [Command.set(self.billing_group.ids)],
                "note": "Left the billing team",
            }
        )
        kept = self._line(review, self.salesman)
        self.assertTrue(review.action_apply())
        self.assertEqual(review.state, "applied")
        self.assertEqual(review.applied_by_id, self.reviewer)
        self.assertNotIn(self.billing_group, self.leaver.groups_id)
        self.assertIn(self.sale_manager_group, self.leaver.groups_id)
        self.assertTrue(kept.group_ids <= kept.user_id.groups_id)
        logs = self.env["control.log"].search(
            [
                ("event", "=", "sod"),
                ("res_model", "=", "res.users"),
                ("res_id", "=", self.leaver.id),
            ]
        )
        self.assertEqual(len(logs), 1)
        self.assertIn("Left the billing team", logs.message)
        self.assertIn(self.billing_group.full_name, logs.message)
        # applied: no second time, no change
        with self.assertRaises(UserError):
            review.action_apply()
        with self.assertRaises(UserError):
            line.decision = "keep"
        with self.assertRaises(UserError):
            review.name = "Renamed"
        with self.assertRaises(UserError):
            review.unlink()

    def test_implied_group_is_reported_still_held(self):
        review = self._review()
        salesman_group = self.env.ref("sales_team.group_sale_salesman")
        self._line(review, self.leaver).write(
            {
                "decision": "revoke",
                "group_ids": [Command.set((salesman_group | self.billing_group).ids)],
            }
        )
        review.action_apply()
        self.assertNotIn(self.billing_group, self.leaver.groups_id)
        self.assertIn(salesman_group, self.leaver.groups_id)
        log = self.env["control.log"].search(
            [("event", "=", "sod"), ("res_id", "=", self.leaver.id)]
        )
        self.assertIn("Still held", log.message)
        self.assertIn(salesman_group.full_name, log.message.split("Still held")[1])

    def test_only_controllers(self):
        review = self._review()
        for method in ("action_apply", "action_start_review", "action_generate_lines"):
            with self.subTest(method=method), self.assertRaises(AccessError):
                getattr(review.with_user(self.sales_manager), method)()
        with self.assertRaises(AccessError):
            self.env["control.access.review"].with_user(self.salesman).create(
                {"name": "Mine"}
            )
        # the state and the applier are set by the actions only
        with self.assertRaises(AccessError):
            review.write({"state": "applied"})
        with self.assertRaises(AccessError):
            self.env["control.access.review"].with_user(self.reviewer).create(
                {"name": "Applied", "state": "applied"}
            )
        with self.assertRaises(AccessError):
            review.line_ids[:1].write({"last_login": "2020-01-01 00:00:00"})

    def test_bad_input(self):
        review = self._review()
        line = self._line(review, self.leaver)
        for value in ("delete", "", 3, None):
            with self.subTest(value=value), self.assertRaises(ValidationError):
                line.write({"decision": value})
        self.assertEqual(line.decision, "keep")
        with self.assertRaises(ValidationError):
            review.write(
                {
                    "line_ids": [
                        Command.create({"user_id": self.env.uid, "decision": "drop"})
                    ]
                }
            )
        # the reviewer does not review himself
        with self.assertRaises(ValidationError):
            review.write({"line_ids": [Command.create({"user_id": self.reviewer.id})]})
        with self.assertRaises(ValidationError):
            review.reviewer_id = self.leaver

    def test_multi_company(self):
        company_b = self.env["res.company"].create({"name": "Review Company B"})
        user_b = new_test_user(
            self.env,
            login="ic_review_b",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
        )
        review = self._review()
        self.assertNotIn(user_b, review.line_ids.user_id)
        controller_b = new_test_user(
            self.env,
            login="ic_review_controller_b",
            groups="sales_internal_control.group_control_manager",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
        )
        review_b = (
            self.env["control.access.review"]
            .with_user(controller_b)
            .with_company(company_b)
            .create({"name": "B review"})
        )
        self.assertEqual(review_b.company_id, company_b)
        self.assertIn(user_b, review_b.line_ids.user_id)
        self.assertNotIn(self.leaver, review_b.line_ids.user_id)
        self.assertFalse(
            self.env["control.access.review"]
            .with_user(controller_b)
            .search([("id", "=", review.id)])
        )

    def test_archived_approver_hands_over(self):
        self._rule(tiers=[("Named approver", self.leaver)])
        order = self._order()
        order.action_confirm()
        request = order.approval_request_ids
        self.assertEqual(request.user_id, self.leaver)
        self.assertEqual(request.state, "pending")
        self.leaver.action_archive()
        self.assertFalse(request.user_id)
        self.assertEqual(request.group_id, self.controller_group)
        logs = self._logs(order, "sod")
        self.assertEqual(len(logs), 1)
        self.assertIn(self.leaver.name, logs.message)
        # a controller decides it now, and has the activity
        self.assertIn(self.controller, order.activity_ids.user_id)
        self.assertNotIn(self.leaver, order.activity_ids.user_id)
        request.with_user(self.controller).action_approve()
        self.assertEqual(order.state, "sale")

    def test_archived_approver_with_group_keeps_the_group(self):
        rule = self._rule(tiers=[("Sales manager", self.manager_group)])
        rule.tier_ids.user_id = self.leaver
        order = self._order()
        order.action_confirm()
        request = order.approval_request_ids
        self.assertEqual(request.user_id, self.leaver)
        self.leaver.write({"active": False})
        self.assertFalse(request.user_id)
        self.assertEqual(request.group_id, self.manager_group)
        self.assertTrue(self._logs(order, "sod"))
        # decided requests are history: not handed over
        other = self._order()
        self.leaver.active = True
        rule.tier_ids.user_id = self.leaver
        other.action_confirm()
        other.approval_request_ids.with_user(self.leaver).action_approve()
        self.leaver.active = False
        self.assertEqual(other.approval_request_ids.user_id, self.leaver)
        self.assertFalse(self._logs(other, "sod"))
