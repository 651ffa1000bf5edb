from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tests.common import freeze_time

from .common import ContractCase


@tagged("post_install", "-at_install")
class TestContractLifecycle(ContractCase):
    def test_whole_lifecycle(self):
        contract = self._contract(title="Maintenance")
        self.assertTrue(contract.name.startswith("CT/"))
        self.assertEqual(contract.state, "draft")
        self.assertEqual(contract.version, 1)
        self.assertEqual(contract.renewal_notice_days, 30)
        self._attach(contract)
        contract.action_submit()
        self.assertEqual(contract.state, "to_approve")
        contract.with_user(self.manager).action_approve()
        self.assertEqual(contract.state, "approved")
        self.assertEqual(contract.approved_by_id, self.manager)
        self._scan(contract)
        contract.with_user(self.manager).action_sign()
        # Signed inside its period: active at once.
        self.assertEqual(contract.state, "active")
        for fname in ("state", "amount_total", "partner_id"):
            self.assertTrue(contract._fields[fname].tracking, fname)
        contract.with_user(self.manager).action_terminate("Customer closed down")
        self.assertEqual(contract.state, "terminated")
        self.assertEqual(contract.termination_reason, "Customer closed down")

    def test_sign_before_start_stays_signed(self):
        contract = self._signed_contract(date_start=date(2026, 6, 1))
        self.assertEqual(contract.state, "signed")

    def test_submit_sale_contract_needs_attachment(self):
        contract = self._contract()
        with self.assertRaisesRegex(UserError, "qualification documents"):
            contract.action_submit()
        self.assertEqual(contract.state, "draft")
        # A vendor contract needs none.
        vendor = self._contract(contract_type="purchase")
        vendor.action_submit()
        self.assertEqual(vendor.state, "to_approve")

    def test_approve_segregation_of_duties(self):
        contract = self._contract(user=self.manager)
        self._attach(contract)
        contract.action_submit()
        # The creator may not approve, even as contract manager.
        with self.assertRaisesRegex(AccessError, "Segregation of duties"):
            contract.with_user(self.manager).action_approve()
        # Nor may a salesman.
        with self.assertRaisesRegex(AccessError, "contract managers"):
            contract.with_user(self.salesman).action_approve()
        self.assertEqual(contract.state, "to_approve")
        contract.with_user(self.manager2).action_approve()
        self.assertEqual(contract.state, "approved")

    def test_admin_cannot_approve_own_contract(self):
        admin = self.env.ref("base.user_admin")
        contract = self._contract(user=admin, contract_type="purchase")
        contract.with_user(admin).action_submit()
        with self.assertRaises(AccessError):
            contract.with_user(admin).action_approve()

    def test_sign_needs_approval_and_manager(self):
        contract = self._contract(contract_type="purchase")
        with self.assertRaisesRegex(UserError, "Signing"):
            self._scan(contract)
            contract.with_user(self.manager).action_sign()
        contract.action_submit()
        contract.with_user(self.manager).action_approve()
        with self.assertRaises(AccessError):
            self._scan(contract)
            contract.with_user(self.salesman).action_sign()
        self.assertEqual(contract.state, "approved")

    def test_terminate_needs_reason(self):
        contract = self._signed_contract()
        with self.assertRaisesRegex(UserError, "needs a reason"):
            contract.with_user(self.manager).action_terminate("  ")
        self.assertEqual(contract.state, "active")

    def test_bad_dates(self):
        with self.assertRaisesRegex(ValidationError, "end date .* before"):
            self._contract(date_start=date(2026, 5, 1), date_end=date(2026, 4, 1))

    def test_negative_amount(self):
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self._contract(amount_total=-5.0)

    def test_signed_contract_amount_locked(self):
        contract = self._signed_contract()
        with self.assertRaisesRegex(UserError, "without an amendment"):
            contract.amount_total = 5000.0
        with self.assertRaisesRegex(UserError, "without an amendment"):
            contract.partner_id = self.other_partner
        with self.assertRaisesRegex(UserError, "without an amendment"):
            contract.date_end = date(2027, 6, 30)
        with self.assertRaisesRegex(UserError, "without an amendment"):
            # No context key (an XML-RPC client can send any) unlocks it.
            contract.with_context(contract_amending=True).amount_total = 5000.0
        self.assertEqual(contract.amount_total, 1000.0)
        # The terms are what was approved and signed too (the redline of an
        # amendment compares them, a locked template's legal tier checks them).
        with self.assertRaisesRegex(UserError, "without an amendment"):
            contract.delivery_terms = "Weekly"
        # Other fields stay editable; writing the same value is harmless.
        contract.write({"title": "Weekly service", "amount_total": 1000.0})
        self.assertEqual(contract.title, "Weekly service")

    def test_amendment_versions(self):
        contract = self._signed_contract()
        self.assertEqual(contract.state, "active")
        invoice = self._invoice(contract, 400.0)
        invoice.action_post()
        draft_invoice = self._invoice(contract, 100.0)
        action = contract.action_amend()
        new = self.env["contract.contract"].browse(action["res_id"])
        self.assertEqual(new.state, "draft")
        self.assertEqual(new.version, 2)
        self.assertEqual(new.name, contract.name)
        self.assertEqual(new.previous_version_id, contract)
        self.assertEqual(new.origin_id, contract)
        self.assertEqual(contract.next_version_id, new)
        self.assertEqual(contract.version_ids, contract | new)
        self.assertEqual(new.version_ids, contract | new)
        with self.assertRaisesRegex(UserError, "already has a version"):
            contract.action_amend()
        # The old version stays active until the new one is signed.
        self.assertEqual(contract.state, "active")
        new.amount_total = 3000.0
        self._attach(new)
        new.action_submit()
        new.with_user(self.manager).action_approve()
        self._scan(new)
        new.with_user(self.manager).action_sign()
        self.assertEqual(new.state, "active")
        self.assertEqual(contract.state, "terminated")
        self.assertEqual(contract.superseded_by_id, new)
        # Draft documents follow the contract; posted ones stay as history.
        self.assertEqual(draft_invoice.contract_id, new)
        self.assertEqual(invoice.contract_id, contract)
        # Invoiced amounts count all versions.
        self.assertEqual(new.amount_invoiced, 400.0)
        self.assertEqual(new.amount_remaining, 2600.0)
        self.assertEqual(
            self.env["contract.contract"].search_count(
                [("origin_id", "=", contract.id), ("state", "=", "active")]
            ),
            1,
        )

    def test_amend_draft_refused(self):
        contract = self._contract()
        with self.assertRaisesRegex(UserError, "Amending"):
            contract.action_amend()

    def test_multi_company(self):
        other_company = self.env["res.company"].create({"name": "Contract Co 2"})
        user = new_test_user(
            self.env,
            login="ic_ct_mc",
            groups="sales_team.group_sale_salesman_all_leads",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        mine = self._contract()
        theirs = self.env["contract.contract"].create(
            {
                "partner_id": self.partner.id,
                "amount_total": 10.0,
                "date_start": date(2026, 1, 1),
                "date_end": date(2026, 2, 1),
                "company_id": other_company.id,
            }
        )
        visible = (
            self.env["contract.contract"]
            .with_user(user)
            .search([("id", "in", (mine | theirs).ids)])
        )
        self.assertEqual(visible, mine)

    def test_team_rule(self):
        team_docs = "sales_internal_control.group_sale_team_documents"
        leader = new_test_user(self.env, login="ic_ct_leader", groups=team_docs)
        member = new_test_user(self.env, login="ic_ct_member", groups=team_docs)
        seller = new_test_user(
            self.env, login="ic_ct_seller", groups="sales_team.group_sale_salesman"
        )
        team = self.env["crm.team"].create(
            {"name": "Contract Team", "user_id": leader.id, "member_ids": [member.id]}
        )
        other_team = self.env["crm.team"].create({"name": "Other Contract Team"})
        team_contract = self._contract(team_id=team.id, user_id=seller.id)
        other_contract = self._contract(team_id=other_team.id, user_id=self.salesman.id)
        both = team_contract | other_contract
        Contract = self.env["contract.contract"]
        for user in (leader, member):
            self.assertEqual(
                Contract.with_user(user).search([("id", "in", both.ids)]),
                team_contract,
            )
        # A plain salesman sees his own only.
        self.assertEqual(
            Contract.with_user(seller).search([("id", "in", both.ids)]),
            team_contract,
        )
        self.assertEqual(
            Contract.with_user(self.manager).search([("id", "in", both.ids)]), both
        )


@tagged("post_install", "-at_install")
class TestContractCron(ContractCase):
    def test_cron_activate_renew_expire(self):
        contract = self._signed_contract(
            date_start=date(2026, 4, 1), date_end=date(2026, 6, 30)
        )
        self.assertEqual(contract.state, "signed")
        Contract = self.env["contract.contract"]
        activity_type = self.env.ref(
            "contract_lifecycle.mail_activity_type_contract_renewal"
        )

        def renewals():
            return contract.activity_ids.filtered(
                lambda a: a.activity_type_id == activity_type
            )

        with freeze_time("2026-04-01"):
            Contract._cron_contract_lifecycle()
        self.assertEqual(contract.state, "active")
        self.assertFalse(renewals())
        with freeze_time("2026-06-01"):
            Contract._cron_contract_lifecycle()
            Contract._cron_contract_lifecycle()
        self.assertEqual(len(renewals()), 1)
        self.assertEqual(renewals().user_id, contract.user_id)
        self.assertEqual(contract.renewal_activity_date, date(2026, 6, 1))
        renewals().action_feedback("Renewal discussed")
        with freeze_time("2026-06-15"):
            Contract._cron_contract_lifecycle()
        self.assertFalse(renewals(), "the renewal activity is scheduled once")
        with freeze_time("2026-07-01"):
            Contract._cron_contract_lifecycle()
        self.assertEqual(contract.state, "expired")

    def test_renewal_reminder_once_across_versions(self):
        contract = self._signed_contract(
            date_start=date(2026, 2, 1), date_end=date(2026, 3, 20)
        )
        self.assertEqual(contract.state, "active")
        Contract = self.env["contract.contract"]
        activity_type = self.env.ref(
            "contract_lifecycle.mail_activity_type_contract_renewal"
        )

        def renewals(record):
            return record.activity_ids.filtered(
                lambda a: a.activity_type_id == activity_type
            )

        Contract._cron_contract_lifecycle()  # 2026-03-01: within 30 days
        self.assertEqual(len(renewals(contract)), 1)
        # An amendment with the same end date takes the reminder over.
        new = Contract.browse(contract.action_amend()["res_id"])
        new.amount_total = 2000.0
        self._attach(new)
        new.action_submit()
        new.with_user(self.manager).action_approve()
        self._scan(new)
        new.with_user(self.manager).action_sign()
        self.assertEqual(new.state, "active")
        self.assertFalse(renewals(contract))
        self.assertEqual(len(renewals(new)), 1)
        self.assertTrue(new.renewal_activity_date)
        Contract._cron_contract_lifecycle()
        self.assertEqual(len(renewals(new)), 1, "reminded once per contract")
        # An amendment that moves the end date is reminded again, later.
        third = Contract.browse(new.action_amend()["res_id"])
        third.date_end = date(2026, 9, 30)
        self._attach(third)
        third.action_submit()
        third.with_user(self.manager).action_approve()
        self._scan(third)
        third.with_user(self.manager).action_sign()
        self.assertFalse(renewals(new))
        self.assertFalse(renewals(third))
        self.assertFalse(third.renewal_activity_date)
        with freeze_time("2026-09-01"):
            Contract._cron_contract_lifecycle()
        self.assertEqual(len(renewals(third)), 1)

    def test_cron_risk_level(self):
        contract = self._signed_contract()
        invoice = self._invoice(contract, 300.0, invoice_date_due=date(2026, 3, 31))
        invoice.action_post()
        self.assertEqual(contract.risk_level, "normal")
        with freeze_time("2026-04-15"):
            self.env["contract.contract"]._cron_contract_lifecycle()
        self.assertEqual(contract.risk_level, "high")
        self.assertEqual(contract.overdue_amount, 300.0)


@tagged("post_install", "-at_install")
class TestContractApprovalEngine(ContractCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.director = new_test_user(
            cls.env,
            login="ic_ct_director",
            groups="sales_team.group_sale_manager",
        )
        cls.rule = cls.env["control.approval.rule"].create(
            {
                "name": "Large contracts",
                "model_name": "contract.contract",
                "amount_min": 50000.0,
                "tier_ids": [
                    Command.create(
                        {
                            "sequence": 1,
                            "name": "Director",
                            "user_id": cls.director.id,
                        }
                    )
                ],
            }
        )

    def test_small_contract_skips_the_engine(self):
        contract = self._signed_contract(amount_total=1000.0)
        self.assertEqual(contract.approval_state, "none")
        self.assertEqual(contract.state, "active")

    def test_large_contract_waits_for_tiers(self):
        contract = self._contract(amount_total=80000.0)
        self._attach(contract)
        contract.action_submit()
        self.assertEqual(contract.approval_state, "pending")
        request = contract.approval_request_ids
        self.assertEqual(len(request), 1)
        self.assertEqual(request.user_id, self.director)
        contract.with_user(self.manager).action_approve()
        self.assertEqual(contract.state, "to_approve")
        request.with_user(self.director).action_approve()
        self.assertEqual(contract.approval_state, "approved")
        self.assertEqual(contract.state, "approved")
        self.assertEqual(contract.approved_by_id, self.manager)

    def test_tiers_before_manager(self):
        contract = self._contract(amount_total=80000.0)
        self._attach(contract)
        contract.action_submit()
        contract.approval_request_ids.with_user(self.director).action_approve()
        # The engine approved; the contract manager has not yet.
        self.assertEqual(contract.state, "to_approve")
        contract.with_user(self.manager).action_approve()
        self.assertEqual(contract.state, "approved")
