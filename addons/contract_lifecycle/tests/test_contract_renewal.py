from datetime import date

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tests.common import freeze_time
from odoo.tools.safe_eval import datetime as safe_datetime
from odoo.tools.safe_eval import dateutil, safe_eval

from .common import ContractCase


@tagged("post_install", "-at_install")
class TestContractRenewal(ContractCase):
    """Days to expiry, the ending-in filters and the Renew action."""

    def _search_filter(self, name):
        """Contracts of the search view's filter ``name`` (its domain as the
        web client evaluates it)."""
        view = self.env.ref("contract_lifecycle.contract_contract_view_search")
        node = view._get_combined_arch().xpath(f"//filter[@name='{name}']")[0]
        domain = safe_eval(
            node.get("domain"),
            {
                "context_today": lambda: date.today(),
                "relativedelta": dateutil.relativedelta.relativedelta,
                "datetime": safe_datetime,
            },
        )
        return self.env["contract.contract"].search(domain)

    def test_expiry_bands_and_filters(self):
        ends = {
            10: date(2026, 3, 11),
            45: date(2026, 4, 15),
            80: date(2026, 5, 20),
            200: date(2026, 9, 17),
        }
        contracts = {
            days: self._signed_contract(date_end=end) for days, end in ends.items()
        }
        self.assertEqual(
            {days: c.days_to_expiry for days, c in contracts.items()},
            {10: 10, 45: 45, 80: 80, 200: 200},
        )
        self.assertEqual(
            [contracts[d].expiry_band for d in (10, 45, 80, 200)],
            ["30", "60", "90", "later"],
        )
        with freeze_time("2026-03-01"):
            ending_30 = self._search_filter("ending_30")
            ending_90 = self._search_filter("ending_90")
        self.assertIn(contracts[10], ending_30)
        self.assertNotIn(contracts[45], ending_30)
        self.assertTrue(contracts[80] in ending_90 and contracts[10] in ending_90)
        self.assertNotIn(contracts[200], ending_90)
        # A draft ending soon is not "ending": it never started.
        draft = self._contract(date_end=date(2026, 3, 20))
        with freeze_time("2026-03-01"):
            self.assertNotIn(draft, self._search_filter("ending_30"))
        with freeze_time("2026-03-12"):
            contracts[10].invalidate_recordset(["days_to_expiry", "expiry_band"])
            self.assertEqual(contracts[10].expiry_band, "ended")

    def test_renew_starts_the_next_period(self):
        contract = self._signed_contract(
            date_start=date(2026, 1, 1), date_end=date(2026, 12, 31)
        )
        action = contract.action_renew()
        new = self.env["contract.contract"].browse(action["res_id"])
        self.assertEqual(new.state, "draft")
        self.assertEqual(new.previous_version_id, contract)
        self.assertEqual(
            (new.date_start, new.date_end), (date(2027, 1, 1), date(2027, 12, 31))
        )
        self.assertEqual(contract.state, "active")
        self.assertIn("End Date", str(new.diff_html))
        with self.assertRaisesRegex(UserError, "already has a version 2"):
            contract.action_renew()
        with self.assertRaisesRegex(UserError, "Amending is not possible"):
            self._contract().action_renew()

    def test_renew_closes_the_reminder(self):
        contract = self._signed_contract(date_end=date(2026, 3, 20))
        self.env["contract.contract"]._cron_contract_lifecycle()
        renewal = self.env.ref("contract_lifecycle.mail_activity_type_contract_renewal")
        self.assertTrue(
            contract.activity_ids.filtered(lambda a: a.activity_type_id == renewal)
        )
        contract.action_renew()
        self.assertFalse(
            contract.activity_ids.filtered(lambda a: a.activity_type_id == renewal)
        )

    def test_users_without_email(self):
        """Renewal, signature link and milestone alerts work for users without
        an e-mail address."""
        for user in (self.salesman, self.manager):
            user.partner_id.email = False
        contract = self._signed_contract(
            date_end=date(2026, 3, 20),
            milestone_ids=[
                (0, 0, {"name": "Late", "date_due": date(2026, 2, 1), "amount": 1000.0})
            ],
        )
        self.env["contract.contract"]._cron_contract_lifecycle()
        self.assertEqual(contract.risk_level, "high")
        action = contract.action_renew()
        new = self.env["contract.contract"].browse(action["res_id"])
        self.assertEqual(
            new.milestone_ids.previous_milestone_id, contract.milestone_ids
        )
        other = self._contract()
        self._attach(other)
        other.action_submit()
        other.with_user(self.manager).action_approve()
        self.assertIn("/my/contracts/", other.action_send_signature_request()["url"])
