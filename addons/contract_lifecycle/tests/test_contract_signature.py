import base64
import hashlib
from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tests.common import freeze_time

from .common import ContractCase

# A 1x1 PNG: what the signature widget sends, base64.
SIGNATURE = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA"
    "60e6kgAAAABJRU5ErkJggg=="
)


@tagged("post_install", "-at_install")
class TestContractSignature(ContractCase):
    """Paper and portal signatures, the signed document's hash."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract = cls._contract(
            delivery_terms="Delivery in Shanghai.",
            milestone_ids=[
                Command.create(
                    {"name": "Advance", "date_due": date(2026, 4, 1), "amount": 1000.0}
                )
            ],
        )
        cls._attach(cls.contract)
        cls.contract.action_submit()
        cls.contract.with_user(cls.manager).action_approve()

    def _link(self):
        self.contract.with_user(self.salesman).action_send_signature_request()
        return self.contract.sudo().access_token

    def test_paper_signature_needs_the_scan(self):
        # The qualification documents were attached before the approval (the
        # clock of the database is not frozen: date them as they would be).
        self.env.cr.execute(
            "UPDATE ir_attachment SET create_date = %s WHERE res_model = %s "
            "AND res_id = %s",
            ("2026-02-01 09:00:00", "contract.contract", self.contract.id),
        )
        self.env.invalidate_all()
        with self.assertRaisesRegex(UserError, "without the scanned signed copy"):
            self.contract.with_user(self.manager).action_sign()
        self.assertEqual(self.contract.state, "approved")
        scan = self._scan(self.contract)
        self.contract.with_user(self.manager).action_sign()
        self.assertEqual(self.contract.state, "active")
        self.assertEqual(self.contract.signed_attachment_id, scan)
        self.assertEqual(
            self.contract.signature_hash, hashlib.sha256(scan.raw).hexdigest()
        )
        self.assertTrue(
            self.contract.with_user(self.salesman).action_verify_signature()
        )
        scan.raw = b"%PDF-1.4 another text"
        self.assertFalse(self.contract.action_verify_signature())

    def test_signature_link(self):
        with self.assertRaisesRegex(UserError, "Asking for the signature"):
            self._contract().with_user(self.salesman).action_send_signature_request()
        action = self.contract.with_user(self.salesman).action_send_signature_request()
        token = self.contract.sudo().access_token
        self.assertIn(f"/my/contracts/{self.contract.id}", action["url"])
        self.assertIn(token, action["url"])
        # A new link replaces the old one.
        self.contract.with_user(self.salesman).action_send_signature_request()
        self.assertNotEqual(self.contract.sudo().access_token, token)
        self.assertTrue(
            self.contract._portal_link_error(token).startswith("This link does not")
        )

    def test_portal_signature(self):
        token = self._link()
        contract = self.contract.sudo()
        error = contract._portal_sign(token, "Li Lei", SIGNATURE, "203.0.113.7")
        self.assertFalse(error)
        self.assertEqual(contract.state, "active")
        self.assertEqual(contract.signed_by, "Li Lei")
        self.assertTrue(contract.signed_on)
        attachment = contract.signed_attachment_id
        self.assertEqual(attachment.res_id, contract.id)
        self.assertEqual(
            contract.signature_hash, hashlib.sha256(attachment.raw).hexdigest()
        )
        # The rendered document holds the terms, the plan and the signer.
        content = attachment.raw.decode(errors="ignore")
        for text in ("Delivery in Shanghai.", "Advance", "Li Lei"):
            self.assertIn(text, content)
        note = contract.message_ids.filtered(lambda m: "203.0.113.7" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertIn("Li Lei", note.body)
        self.assertTrue(
            self.env["control.log"].search(
                [
                    ("res_model", "=", "contract.contract"),
                    ("res_id", "=", contract.id),
                    ("event", "=", "approved"),
                    ("message", "ilike", "signed by Li Lei"),
                ]
            )
        )
        self.assertTrue(self.contract.action_verify_signature())
        attachment.raw = attachment.raw + b" "
        self.assertFalse(self.contract.action_verify_signature())
        attachment.unlink()
        self.assertFalse(self.contract.action_verify_signature())
        # Signing twice is refused.
        self.assertIn(
            "only an approved contract",
            contract._portal_sign(token, "Li Lei", SIGNATURE, "203.0.113.7"),
        )

    def test_portal_signature_refused(self):
        token = self._link()
        contract = self.contract.sudo()
        cases = [
            ("wrong-token", "Li Lei", SIGNATURE, "wrong access token"),
            (False, "Li Lei", SIGNATURE, "wrong access token"),
            (token, "  ", SIGNATURE, "name is missing"),
            (token, "Li Lei", False, "signature is missing"),
            (token, "Li Lei", "not base64!", "signature is missing or invalid"),
            (token, "Li Lei", "bm90IGFuIGltYWdl", "signature is missing or invalid"),
        ]
        for access_token, name, signature, pattern in cases:
            with self.subTest(pattern=pattern, token=access_token):
                error = contract._portal_sign(access_token, name, signature, "::1")
                self.assertIn(pattern, error)
        with freeze_time("2026-04-01 10:00:01"):
            error = contract._portal_sign(token, "Li Lei", SIGNATURE, "::1")
            self.assertIn("has expired (valid 30 days)", error)
        draft = self._contract().sudo()
        draft._portal_ensure_token()
        self.assertIn(
            "only an approved contract",
            draft._portal_sign(draft.access_token, "Li Lei", SIGNATURE, "::1"),
        )
        self.assertEqual(contract.state, "approved")
        self.assertFalse(contract.signed_by or contract.signature_hash)
        self.assertFalse(contract.customer_signature)
        blocked = self._blocked_logs(self.contract)
        self.assertEqual(len(blocked), len(cases) + 1)

    def test_signature_fields_are_the_workflow_s(self):
        for vals in (
            {"signed_by": "Forger"},
            {"signature_hash": "0" * 64},
            {"signed_on": "2026-03-01 10:00:00"},
            {"customer_signature": SIGNATURE},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                self.contract.with_user(self.manager).write(vals)
        with self.assertRaises(AccessError):
            self._contract(signed_by="Forger")
        self.assertFalse(self.contract.signed_by)

    def test_signature_link_validity_setting(self):
        with self.assertRaisesRegex(Exception, "between 1 and 3660"):
            self.company.contract_signature_link_days = 0
        self.company.contract_signature_link_days = 5
        token = self._link()
        with freeze_time("2026-03-07"):
            self.assertIn("has expired", self.contract._portal_link_error(token))
        self.assertFalse(self.contract._portal_link_error(token))
        self.assertTrue(base64.b64decode(SIGNATURE))
