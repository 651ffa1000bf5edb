"""Access governance: bank account numbers masked but their last 4 digits
for users without accounting rights (issue 17)."""

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tests.common import TransactionCase

NUMBER = "BE71 0961 2345 6769"
MASK = "************6769"


@tagged("post_install", "-at_install")
class TestBankMask(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["control.anomaly.rule"].sudo().search([]).active = False
        cls.salesman = new_test_user(
            cls.env,
            login="ic_mask_salesman",
            groups="sales_team.group_sale_salesman,base.group_partner_manager,"
            "base.group_allow_export",
        )
        cls.billing = new_test_user(
            cls.env,
            login="ic_mask_billing",
            groups="account.group_account_invoice,base.group_partner_manager",
        )
        cls.auditor = new_test_user(
            cls.env, login="ic_mask_auditor", groups="account.group_account_readonly"
        )
        cls.vendor = cls.env["res.partner"].create({"name": "Mask Vendor"})
        cls.bank = cls.env["res.partner.bank"].create(
            {"partner_id": cls.vendor.id, "acc_number": NUMBER}
        )

    def as_user(self, user):
        # A request of this user: the cache starts empty.
        self.env.invalidate_all()
        return self.bank.with_user(user)

    def test_read_paths_masked(self):
        bank = self.as_user(self.salesman)
        self.assertEqual(bank.acc_number, MASK)
        self.assertEqual(bank.sanitized_acc_number, "************6769")
        self.assertNotIn("2345", bank.display_name)
        self.env.invalidate_all()
        values = bank.read(["acc_number", "sanitized_acc_number", "display_name"])[0]
        self.assertEqual(values["acc_number"], MASK)
        self.assertNotIn("2345", values["display_name"])
        self.env.invalidate_all()
        [row] = bank.search_read([("id", "=", bank.id)], ["acc_number"])
        self.assertEqual(row["acc_number"], MASK)
        self.env.invalidate_all()
        [row] = bank.web_search_read(
            [("id", "=", bank.id)], {"acc_number": {}, "display_name": {}}
        )["records"]
        self.assertEqual(row["acc_number"], MASK)
        self.env.invalidate_all()
        bank.fetch(["acc_number"])
        self.assertEqual(bank.acc_number, MASK)
        # through the partner (its form's bank_ids, a many2one label)
        self.env.invalidate_all()
        [partner] = self.vendor.with_user(self.salesman).web_read(
            {"bank_ids": {"fields": {"acc_number": {}, "display_name": {}}}}
        )
        self.assertEqual(partner["bank_ids"][0]["acc_number"], MASK)
        self.assertNotIn("2345", partner["bank_ids"][0]["display_name"])
        self.assertNotIn(
            "2345",
            str(bank.name_search("6769")),
        )
        self.assertEqual(self.vendor.with_user(self.salesman).bank_ids.acc_number, MASK)

    def test_masked_even_when_the_cache_holds_the_number(self):
        # something read the real number first in this transaction (sudo)
        self.assertEqual(self.bank.sudo().acc_number, NUMBER)
        bank = self.bank.with_user(self.salesman)
        self.assertEqual(bank.read(["acc_number"])[0]["acc_number"], MASK)
        self.assertEqual(bank.web_read({"acc_number": {}})[0]["acc_number"], MASK)
        self.assertNotIn("2345", str(bank.export_data(["acc_number"])))

    def test_exports_and_groups_masked(self):
        self.env.invalidate_all()
        vendor = self.vendor.with_user(self.salesman)
        datas = vendor.export_data(["name", "bank_ids/acc_number"])["datas"]
        self.assertEqual(datas[0][1], MASK)
        self.env.invalidate_all()
        self.assertEqual(
            self.bank.with_user(self.salesman).export_data(["acc_number"])["datas"],
            [[MASK]],
        )
        groups = (
            self.env["res.partner.bank"]
            .with_user(self.salesman)
            ._read_group(
                [("id", "=", self.bank.id)], ["acc_number"], ["acc_number:array_agg"]
            )
        )
        self.assertEqual(groups, [(MASK, [MASK])])

    def test_accounting_rights_and_sudo_see_the_number(self):
        for user in (self.billing, self.auditor):
            with self.subTest(user=user.login):
                bank = self.as_user(user)
                self.assertEqual(bank.acc_number, NUMBER)
                self.assertEqual(bank.read(["acc_number"])[0]["acc_number"], NUMBER)
                self.assertIn(NUMBER, bank.display_name)
        # sudo in a request of the salesman (payments, detectors)
        self.env.invalidate_all()
        bank = self.bank.with_user(self.salesman).sudo()
        self.assertEqual(bank.acc_number, NUMBER)
        self.assertEqual(bank.sanitized_acc_number, "BE71096123456769")

    def test_company_accounts_not_masked(self):
        company_bank = self.env["res.partner.bank"].create(
            {
                "partner_id": self.env.company.partner_id.id,
                "acc_number": "NL91ABNA0417164300",
            }
        )
        self.env.invalidate_all()
        self.assertEqual(
            company_bank.with_user(self.salesman).acc_number, "NL91ABNA0417164300"
        )

    def test_mask_written_back_changes_nothing(self):
        bank = self.as_user(self.salesman)
        bank.write({"acc_number": MASK})
        self.env.invalidate_all()
        self.assertEqual(self.bank.sudo().acc_number, NUMBER)
        # with other fields: those change, the number stays
        bank.write({"acc_number": MASK, "acc_holder_name": "Mask Holder"})
        self.env.invalidate_all()
        self.assertEqual(self.bank.sudo().acc_number, NUMBER)
        self.assertEqual(self.bank.sudo().acc_holder_name, "Mask Holder")
        # through the account's form
        self.env.invalidate_all()
        with Form(self.bank.with_user(self.salesman)) as form:
            self.assertEqual(form.acc_number, MASK)
            form.bank_id = self.env["res.bank"].create({"name": "Form Bank"})
        self.env.invalidate_all()
        self.assertEqual(self.bank.sudo().acc_number, NUMBER)
        self.assertEqual(self.bank.sudo().bank_id.name, "Form Bank")
        self.assertEqual(
            self.as_user(self.salesman).display_name, f"{MASK} - Form Bank"
        )
        # a real new number is written
        bank.write({"acc_number": "BE68 5390 0754 7034"})
        self.env.invalidate_all()
        self.assertEqual(self.bank.sudo().acc_number, "BE68 5390 0754 7034")

    def test_other_masked_values_refused(self):
        bank = self.as_user(self.salesman)
        with self.assertRaises(ValidationError):
            bank.write({"acc_number": "**********1111"})
        with self.assertRaises(ValidationError):
            self.env["res.partner.bank"].with_user(self.salesman).create(
                {"partner_id": self.vendor.id, "acc_number": MASK}
            )
        with self.assertRaises(ValidationError):
            self.vendor.with_user(self.salesman).write(
                {"bank_ids": [Command.create({"acc_number": "12**56789"})]}
            )
        with self.assertRaises(ValidationError):
            bank.copy()
        self.env.invalidate_all()
        self.assertEqual(self.bank.sudo().acc_number, NUMBER)
        self.assertEqual(len(self.vendor.sudo().bank_ids), 1)

    def test_tracking_values_masked(self):
        self.bank.with_user(self.billing).write({"acc_number": "BE68 5390 0754 7034"})
        self.env.invalidate_all()
        messages = self.vendor.with_user(self.salesman).message_ids
        tracked = messages.sudo().tracking_value_ids.filtered(
            lambda t: t.field_id.name == "acc_number"
        )
        self.assertTrue(tracked)
        formatted = str(tracked.with_user(self.salesman)._tracking_value_format())
        self.assertNotIn("0754", formatted)
        self.assertNotIn("2345", formatted)
        self.assertIn("7034", formatted)
        self.assertIn(
            "0754", str(tracked.with_user(self.billing)._tracking_value_format())
        )
