from datetime import date
from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tests.common import freeze_time

from .common import ContractCase

NON_FINITE = (float("nan"), float("inf"), float("-inf"), "nan", "abc")


@tagged("post_install", "-at_install")
class TestContractBadInput(ContractCase):
    """Bad input on contracts and their settings (issue 18, items 20 and 22)."""

    def test_renewal_notice_days_bounded(self):
        contract = self._contract(title="Notice")
        for days in (1000000, 3661, -1):
            with self.assertRaises(ValidationError) as caught:
                contract.renewal_notice_days = days
            self.assertIn(contract.display_name, str(caught.exception))
            self.assertIn(str(days), str(caught.exception))
        for days in (float("nan"), 10**12, "abc"):
            with self.assertRaises(ValidationError):
                contract.write({"renewal_notice_days": days})
        with self.assertRaises(ValidationError):
            self._contract(title="Too long notice", renewal_notice_days=1000000)
        self.assertEqual(contract.renewal_notice_days, 30)
        contract.renewal_notice_days = 3660
        self.assertFalse(
            self.env["contract.contract"].search([("title", "=", "Too long notice")])
        )

    def test_cron_survives_a_bad_contract(self):
        Contract = self.env["contract.contract"]
        activity_type = self.env.ref(
            "contract_lifecycle.mail_activity_type_contract_renewal"
        )
        bad = self._signed_contract(title="Bad notice")
        good = self._signed_contract(title="Good notice", renewal_notice_days=400)
        failing = self._signed_contract(title="Failing", renewal_notice_days=400)
        self.assertEqual((bad | good | failing).mapped("state"), ["active"] * 3)
        # Stored before the constraint existed (or written by SQL).
        self.env.cr.execute(
            "UPDATE contract_contract SET renewal_notice_days = 1000000 WHERE id = %s",
            [bad.id],
        )
        bad.invalidate_recordset(["renewal_notice_days"])
        schedule = type(Contract).activity_schedule

        def activity_schedule(records, *args, **kwargs):
            if records == failing:
                raise ValueError("cannot schedule")
            return schedule(records, *args, **kwargs)

        with (
            freeze_time("2026-03-02"),
            patch.object(type(Contract), "activity_schedule", activity_schedule),
            self.assertLogs(
                "odoo.addons.contract_lifecycle.models.contract_contract", "ERROR"
            ),
        ):
            Contract._cron_contract_lifecycle()
        for contract in (bad, good):
            self.assertEqual(
                len(
                    contract.activity_ids.filtered(
                        lambda a: a.activity_type_id == activity_type
                    )
                ),
                1,
                contract.title,
            )
            self.assertEqual(contract.renewal_activity_date, date(2026, 3, 2))
        self.assertFalse(failing.activity_ids)
        self.assertFalse(failing.renewal_activity_date)

    def test_amount_total_must_be_finite(self):
        contract = self._contract(title="Amount")
        for value in NON_FINITE:
            with (
                self.subTest(value=value),
                self.assertRaisesRegex(ValidationError, "finite number"),
            ):
                contract.write({"amount_total": value})
        self.assertEqual(contract.amount_total, 1000.0)
        with self.assertRaisesRegex(ValidationError, "finite number"):
            self._contract(title="Bad amount", amount_total=float("inf"))
        with self.assertRaisesRegex(ValidationError, "finite number"):
            self.env["contract.contract"].with_user(self.salesman).with_context(
                default_amount_total="nan"
            ).create(
                {
                    "partner_id": self.partner.id,
                    "title": "Bad default",
                    "date_start": date(2026, 1, 1),
                    "date_end": date(2026, 12, 31),
                }
            )
        self.assertFalse(
            self.env["contract.contract"].search(
                [("title", "in", ("Bad amount", "Bad default"))]
            )
        )

    def test_company_tolerance_must_be_finite(self):
        admin = new_test_user(
            self.env, login="ic_ct_settings", groups="base.group_system"
        )
        company = self.company.with_user(admin)
        for value in NON_FINITE:
            with (
                self.subTest(value=value),
                self.assertRaisesRegex(ValidationError, "finite number"),
            ):
                company.write({"contract_invoice_tolerance_pct": value})
        with self.assertRaisesRegex(ValidationError, "finite number"):
            self.env["res.config.settings"].with_user(admin).create(
                {"contract_invoice_tolerance_pct": float("nan")}
            ).execute()
        self.assertEqual(self.company.contract_invoice_tolerance_pct, 0.0)
