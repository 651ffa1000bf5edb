from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tests.common import TransactionCase


@tagged("post_install", "-at_install")
class TestControlLog(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env["res.partner"].create({"name": "Log Customer"})
        cls.controller = new_test_user(
            cls.env,
            login="ic_log_controller",
            groups="base.group_user,sales_internal_control.group_control_manager",
        )
        cls.salesman = new_test_user(
            cls.env, login="ic_log_salesman", groups="sales_team.group_sale_salesman"
        )

    def test_log_written_and_readable_by_controller(self):
        line = self.env["control.log"]._log(
            "blocked", self.partner, "Blocked for the test", amount=125.5
        )
        self.assertEqual(len(line), 1)
        seen = self.env["control.log"].with_user(self.controller).browse(line.id)
        self.assertEqual(seen.event, "blocked")
        self.assertEqual(seen.res_model, "res.partner")
        self.assertEqual(seen.res_id, self.partner.id)
        self.assertEqual(seen.amount, 125.5)
        self.assertEqual(seen.user_id, self.env.user)

    def test_log_immutable_even_for_admin(self):
        line = self.env["control.log"]._log("override", self.partner, "Released")
        with self.assertRaises(UserError):
            line.sudo().write({"message": "tampered"})
        with self.assertRaises(UserError):
            line.sudo().unlink()
        self.assertEqual(line.message, "Released")
        self.assertTrue(line.exists())

    def test_log_hidden_from_non_controllers(self):
        line = self.env["control.log"]._log("blocked", self.partner, "x")
        with self.assertRaises(AccessError):
            line.with_user(self.salesman).read(["message"])
        with self.assertRaises(AccessError):
            self.env["control.log"].with_user(self.controller).create(
                {"event": "blocked", "res_model": "res.partner", "message": "forged"}
            )
