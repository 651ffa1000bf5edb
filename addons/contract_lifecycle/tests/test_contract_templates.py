from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import ContractCase


@tagged("post_install", "-at_install")
class TestContractTemplates(ContractCase):
    """Legal templates and the legal tier for changed terms."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.legal = new_test_user(
            cls.env,
            login="ic_ct_legal",
            groups="contract_lifecycle.group_contract_legal",
        )
        cls.term = cls.env["account.payment.term"].create({"name": "IC Legal 45 days"})
        cls.template = (
            cls.env["contract.template"]
            .with_user(cls.legal)
            .create(
                {
                    "name": "Standard sale",
                    "contract_type": "sale",
                    "payment_term_id": cls.term.id,
                    "delivery_terms": "Delivery within 30 days.",
                    "penalty_terms": "0.5% per day of delay, at most 10%.",
                    "locked": True,
                }
            )
        )

    def _submitted(self, **values):
        contract = self._contract(template_id=self.template.id, **values)
        self._attach(contract)
        contract.action_submit()
        return contract

    def test_only_legal_maintains_templates(self):
        vals = {"name": "Rogue", "contract_type": "sale"}
        for user in (self.salesman, self.manager, self.accountant):
            with self.subTest(user=user.login):
                Template = self.env["contract.template"].with_user(user)
                with self.assertRaises(AccessError):
                    Template.create(vals)
                with self.assertRaises(AccessError):
                    self.template.with_user(user).penalty_terms = "None."
                with self.assertRaises(AccessError):
                    self.template.with_user(user).unlink()
                # They read it, to draft contracts from it.
                self.assertEqual(self.template.with_user(user).name, "Standard sale")
        self.template.with_user(self.legal).locked = False
        self.assertFalse(self.template.locked)

    def test_template_needs_a_type(self):
        with self.assertRaisesRegex(ValidationError, "needs a type"):
            self.env["contract.template"].with_user(self.legal).create(
                {"name": "No type"}
            )
        with self.assertRaisesRegex(ValidationError, "needs a type"):
            self.template.with_user(self.legal).contract_type = False

    def test_contract_takes_the_terms_and_type_must_match(self):
        contract = self._contract(template_id=self.template.id)
        self.assertEqual(contract.payment_term_id, self.term)
        self.assertEqual(contract.delivery_terms, "Delivery within 30 days.")
        self.assertFalse(contract.template_terms_changed)
        with self._refused(ValidationError, "its template Standard sale is for"):
            self._contract(template_id=self.template.id, contract_type="purchase")

    def test_unchanged_locked_terms_need_no_legal_tier(self):
        contract = self._submitted()
        self.assertEqual(contract.approval_state, "none")
        contract.with_user(self.manager).action_approve()
        self.assertEqual(contract.state, "approved")

    def test_changed_locked_terms_need_the_legal_tier(self):
        contract = self._submitted(penalty_terms="No penalty.")
        self.assertTrue(contract.template_terms_changed)
        self.assertEqual(contract.approval_state, "pending")
        request = contract.approval_request_ids
        self.assertEqual(len(request), 1)
        self.assertEqual(
            request.group_id, self.env.ref("contract_lifecycle.group_contract_legal")
        )
        self.assertIn("Penalty Terms", request.tier_name)
        # The terms are frozen while the legal department looks at them.
        with self.assertRaisesRegex(
            UserError, "cannot be changed without an amendment"
        ):
            contract.with_user(self.salesman).penalty_terms = "Even less."
        contract.with_user(self.manager).action_approve()
        self.assertEqual(contract.state, "to_approve")
        with self.assertRaises(AccessError):
            request.with_user(self.manager2).action_approve()
        request.with_user(self.legal).action_approve()
        self.assertEqual(contract.approval_state, "approved")
        self.assertEqual(contract.state, "approved")

    def test_legal_rejection_and_unlocked_template(self):
        contract = self._submitted(delivery_terms="Whenever convenient.")
        contract.approval_request_ids.with_user(self.legal).action_reject(
            "Unacceptable delivery terms"
        )
        self.assertEqual(contract.approval_state, "rejected")
        self.template.with_user(self.legal).locked = False
        free = self._submitted(delivery_terms="Whenever convenient.")
        self.assertEqual(free.approval_state, "none")

    def test_other_company_template_refused(self):
        other = self.env["res.company"].create({"name": "IC Legal Other Co"})
        foreign = self.env["contract.template"].create(
            {"name": "Foreign", "contract_type": "sale", "company_id": other.id}
        )
        with self.assertRaises(UserError):
            self.env["contract.contract"].create(
                {
                    "partner_id": self.partner.id,
                    "date_end": "2026-12-31",
                    "template_id": foreign.id,
                }
            )
