from odoo.tests import tagged
from odoo.tests.common import TransactionCase


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_group_defined(self):
        group = self.env.ref("credit_rating.group_credit_controller")
        self.assertIn(
            self.env.ref("sales_internal_control.group_control_user"),
            group.implied_ids,
        )
