from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import ApprovalCase


@tagged("post_install", "-at_install")
class SodCase(ApprovalCase):
    """A matrix of its own: purchasing x bill entry (enforced), sales x
    internal control (not enforced)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["control.sod.risk"].search([]).active = False
        Function = cls.env["control.sod.function"]
        cls.purchase_group = cls.env.ref("purchase.group_purchase_user")
        cls.billing_group = cls.env.ref("account.group_account_invoice")
        cls.f_purchase = Function.create(
            {"name": "T Purchasing", "group_ids": [Command.set(cls.purchase_group.ids)]}
        )
        cls.f_bills = Function.create(
            {"name": "T Bill entry", "group_ids": [Command.set(cls.billing_group.ids)]}
        )
        cls.f_sales = Function.create(
            {
                "name": "T Sales",
                "group_ids": [
                    Command.set(cls.env.ref("sales_team.group_sale_salesman").ids)
                ],
            }
        )
        cls.f_control = Function.create(
            {"name": "T Control", "group_ids": [Command.set(cls.controller_group.ids)]}
        )
        cls.risk = cls.env["control.sod.risk"].create(
            {
                "name": "T Purchasing and bills",
                "function_a_id": cls.f_purchase.id,
                "function_b_id": cls.f_bills.id,
                "level": "critical",
                "enforce": True,
            }
        )
        cls.soft_risk = cls.env["control.sod.risk"].create(
            {
                "name": "T Sales and control",
                "function_a_id": cls.f_sales.id,
                "function_b_id": cls.f_control.id,
                "level": "medium",
            }
        )
        cls.buyer = new_test_user(
            cls.env, login="ic_sod_buyer", groups="purchase.group_purchase_user"
        )
        cls.admin = cls.env.ref("base.user_admin")

    def _sod_logs(self, user, event="sod"):
        return self.env["control.log"].search(
            [
                ("event", "=", event),
                ("res_model", "=", "res.users"),
                ("res_id", "=", user.id),
            ]
        )


class TestSodMatrix(SodCase):
    def test_grant_refused_whichever_way(self):
        """User form (groups_id), the form's reified check boxes, a group's
        users, an implied group and a new user: each is refused, naming the
        risk and both functions; nothing changes."""
        admin_env = self.env(user=self.admin)
        ways = {
            "user groups": lambda: (
                admin_env["res.users"]
                .browse(self.buyer.id)
                .write({"groups_id": [Command.link(self.billing_group.id)]})
            ),
            "group users": lambda: (
                admin_env["res.groups"]
                .browse(self.billing_group.id)
                .write({"users": [Command.link(self.buyer.id)]})
            ),
            "new user": lambda: admin_env["res.users"].create(
                {
                    "name": "Both",
                    "login": "ic_sod_both",
                    "groups_id": [
                        Command.set([self.purchase_group.id, self.billing_group.id])
                    ],
                }
            ),
        }
        carrier = self.env["res.groups"].create({"name": "T Carrier"})
        carrier.users = self.buyer
        ways["implied group"] = lambda: (
            admin_env["res.groups"]
            .browse(carrier.id)
            .write({"implied_ids": [Command.link(self.billing_group.id)]})
        )
        for way, grant in ways.items():
            with self.subTest(way=way):
                with self.assertRaises(ValidationError) as caught:
                    grant()
                message = str(caught.exception)
                for name in ("T Purchasing and bills", "T Purchasing", "T Bill entry"):
                    self.assertIn(name, message)
                self.assertNotIn(self.billing_group, self.buyer.groups_id)
                self.assertFalse(
                    self.env["res.users"].search([("login", "=", "ic_sod_both")])
                )

    def test_mitigation_lets_the_grant_through_and_logs_it(self):
        mitigation = self.env(user=self.controller)["control.sod.mitigation"].create(
            {
                "risk_id": self.risk.id,
                "user_id": self.buyer.id,
                "reason": "Two-person team; the CFO reviews the bills monthly.",
                "date_end": fields.Date.today() + timedelta(days=90),
            }
        )
        self.assertEqual(mitigation.approved_by_id, self.controller)
        self.buyer.with_user(self.admin).write(
            {"groups_id": [Command.link(self.billing_group.id)]}
        )
        self.assertIn(self.billing_group, self.buyer.groups_id)
        conflict = self.env["control.sod.conflict"].search(
            [("user_id", "=", self.buyer.id), ("risk_id", "=", self.risk.id)]
        )
        self.assertEqual(conflict.state, "mitigated")
        self.assertEqual(conflict.mitigation_id, mitigation)
        self.assertTrue(
            any("T Purchasing" in line.message for line in self._sod_logs(self.buyer))
        )
        # The mitigation ends: the conflict is open again (and counted).
        open_before = self.risk.action_analyze()
        mitigation.with_user(self.controller).active = False
        self.env.invalidate_all()
        self.assertEqual(conflict.state, "open")
        self.assertEqual(self.risk.action_analyze(), open_before + 1)

    def test_expired_mitigation_does_not_count(self):
        self.env["control.sod.mitigation"].sudo().create(
            {
                "risk_id": self.risk.id,
                "user_id": self.buyer.id,
                "approved_by_id": self.controller.id,
                "reason": "Expired",
                "date_end": fields.Date.today() - timedelta(days=1),
            }
        )
        with self.assertRaises(ValidationError):
            self.buyer.with_user(self.admin).write(
                {"groups_id": [Command.link(self.billing_group.id)]}
            )

    def test_unenforced_risk_is_logged_and_reported(self):
        seller = new_test_user(
            self.env, login="ic_sod_seller", groups="sales_team.group_sale_salesman"
        )
        open_before = self.soft_risk.action_analyze()
        seller.with_user(self.admin).write(
            {"groups_id": [Command.link(self.controller_group.id)]}
        )
        self.assertIn(self.controller_group, seller.groups_id)
        self.assertEqual(len(self._sod_logs(seller)), 1)
        self.assertEqual(self.soft_risk.conflict_count, open_before + 1)
        self.assertEqual(self.soft_risk.action_analyze(), open_before + 1)
        # A change that opens nothing new writes nothing new.
        seller.with_user(self.admin).write(
            {"groups_id": [Command.link(self.controller_group.id)]}
        )
        self.assertEqual(len(self._sod_logs(seller)), 1)

    def test_implied_group_counts_as_holding(self):
        """A user holding a group that implies a function's group holds it."""
        manager_group = self.env.ref("purchase.group_purchase_manager")
        self.assertIn(self.purchase_group, manager_group.trans_implied_ids)
        billing_user = new_test_user(
            self.env, login="ic_sod_biller", groups="account.group_account_invoice"
        )
        with self.assertRaises(ValidationError):
            billing_user.with_user(self.admin).write(
                {"groups_id": [Command.link(manager_group.id)]}
            )

    def test_su_logs_instead_of_refusing(self):
        """Module installation (the superuser) is never refused; what it opens
        is logged and reported."""
        open_before = self.risk.action_analyze()
        self.buyer.sudo().write({"groups_id": [Command.link(self.billing_group.id)]})
        self.assertIn(self.billing_group, self.buyer.groups_id)
        self.assertTrue(self._sod_logs(self.buyer))
        self.assertEqual(self.risk.action_analyze(), open_before + 1)

    def test_other_company_risk_does_not_apply(self):
        other = self.env["res.company"].create({"name": "SoD Other Co"})
        self.risk.active = False
        Function = self.env["control.sod.function"].with_company(other)
        risk = (
            self.env["control.sod.risk"]
            .with_company(other)
            .create(
                {
                    "name": "Other co risk",
                    "company_id": other.id,
                    "function_a_id": Function.create(
                        {
                            "name": "O Purchasing",
                            "company_id": other.id,
                            "group_ids": [Command.set(self.purchase_group.ids)],
                        }
                    ).id,
                    "function_b_id": Function.create(
                        {
                            "name": "O Bills",
                            "company_id": other.id,
                            "group_ids": [Command.set(self.billing_group.ids)],
                        }
                    ).id,
                    "enforce": True,
                }
            )
        )
        # The buyer does not belong to the other company: not concerned.
        self.buyer.with_user(self.admin).write(
            {"groups_id": [Command.link(self.billing_group.id)]}
        )
        self.assertEqual(risk.action_analyze(), 0)

    def test_bad_input(self):
        Risk = self.env["control.sod.risk"]
        with self.assertRaises(ValidationError):
            Risk.create(
                {
                    "name": "Self",
                    "function_a_id": self.f_bills.id,
                    "function_b_id": self.f_bills.id,
                }
            )
        with self.assertRaises(ValidationError):
            self.env["control.sod.function"].create({"name": "Empty"})
        Mitigation = self.env(user=self.controller)["control.sod.mitigation"]
        base = {
            "risk_id": self.risk.id,
            "user_id": self.buyer.id,
            "reason": "Reason",
            "date_end": fields.Date.today() + timedelta(days=30),
        }
        with self.assertRaises(ValidationError):
            Mitigation.create(dict(base, reason="  "))
        with self.assertRaises(ValidationError):
            Mitigation.create(dict(base, date_end=False))
        # Approved by its own user (a controller mitigating for themselves).
        with self.assertRaises(ValidationError):
            Mitigation.create(dict(base, user_id=self.controller.id))
        # Naming another approver is ignored: the approver is who records it.
        mitigation = Mitigation.create(dict(base, approved_by_id=self.admin.id))
        self.assertEqual(mitigation.approved_by_id, self.controller)
        # Not a controller: no access.
        with self.assertRaises(AccessError):
            self.env(user=self.sales_manager)["control.sod.mitigation"].create(base)
        # Re-pointed, extended or deleted: refused.
        with self.assertRaises(ValidationError):
            mitigation.write({"user_id": self.salesman.id})
        with self.assertRaises(ValidationError):
            mitigation.write({"date_end": fields.Date.today() + timedelta(days=400)})
        with self.assertRaises(AccessError):
            mitigation.unlink()
        with self.assertRaises(ValidationError):
            mitigation.sudo().unlink()
        self.assertEqual(
            self.env["control.sod.mitigation"].search_count(
                [("user_id", "=", self.salesman.id)]
            ),
            0,
        )

    def _grant_queries(self, user, group):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        self.env(user=self.admin)["res.users"].browse(user.id).write(
            {"groups_id": [Command.link(group.id)]}
        )
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_grant_check_costs_constant_queries(self):
        """The same queries with 2 risks and with 22 risks and more users in
        conflict: the check reads the live report once before, once after."""
        group = self.env.ref("sales_team.group_sale_salesman")
        first, second = (
            new_test_user(self.env, login=f"ic_sod_q{index}", groups="base.group_user")
            for index in range(2)
        )
        self._grant_queries(
            new_test_user(self.env, login="ic_sod_warm", groups="base.group_user"),
            group,
        )
        few = self._grant_queries(first, group)
        self.env["control.sod.risk"].create(
            [
                {
                    "name": f"T Extra {index}",
                    "function_a_id": self.f_sales.id,
                    "function_b_id": self.f_control.id,
                }
                for index in range(20)
            ]
        )
        for index in range(5):
            new_test_user(
                self.env,
                login=f"ic_sod_c{index}",
                groups="sales_team.group_sale_salesman,"
                "sales_internal_control.group_control_manager",
            )
        self._grant_queries(
            new_test_user(self.env, login="ic_sod_warm2", groups="base.group_user"),
            group,
        )
        many = self._grant_queries(second, group)
        self.assertEqual(few, many)
