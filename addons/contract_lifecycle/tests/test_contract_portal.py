import json
from datetime import date

from odoo.addons.sales_internal_control.tests.common import BrowserCaseMixin
from odoo.tests import HttpCase, tagged

from .common import ContractCase
from .test_contract_signature import SIGNATURE


@tagged("post_install", "-at_install", "ic_browser")
class TestContractPortal(BrowserCaseMixin, HttpCase, ContractCase):
    """The customer opens the link, reads the contract and signs it.

    Needs Odoo's HTTP server (tag ``ic_browser``): ``make test`` runs it with
    ``odoo-bin --test-enable``; pytest-odoo starts no server and skips it.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract = cls._contract(
            title="Portal signature",
            delivery_terms="Delivery in Hangzhou.",
            date_end=date(2026, 12, 31),
        )
        cls._attach(cls.contract)
        cls.contract.action_submit()
        cls.contract.with_user(cls.manager).action_approve()
        cls.contract.with_user(cls.salesman).action_send_signature_request()

    def _sign(self, token, name="Han Meimei", signature=SIGNATURE):
        response = self.url_open(
            f"/my/contracts/{self.contract.id}/sign?access_token={token}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {"name": name, "signature": signature},
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()["result"]

    def test_customer_reads_and_signs(self):
        token = self.contract.sudo().access_token
        page = self.url_open(f"/my/contracts/{self.contract.id}?access_token={token}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Delivery in Hangzhou.", page.text)
        self.assertIn("o_contract_sign_btn", page.text)
        self.assertIn("portal.signature_form", page.text)
        pdf = self.url_open(
            f"/my/contracts/{self.contract.id}?access_token={token}&report_type=pdf"
        )
        self.assertEqual(pdf.status_code, 200)
        result = self._sign(token)
        self.assertIn("sign_ok", result["redirect_url"])
        self.assertEqual(self.contract.state, "active")
        self.assertEqual(self.contract.signed_by, "Han Meimei")
        self.assertTrue(self.contract.action_verify_signature())
        note = self.contract.message_ids.filtered(
            lambda m: "Signed on the portal by Han Meimei" in (m.body or "")
        )
        self.assertIn("127.0.0.1", note.body)
        # Once signed, the page has no sign button.
        page = self.url_open(f"/my/contracts/{self.contract.id}?access_token={token}")
        self.assertNotIn("o_contract_sign_btn", page.text)

    def test_customer_signs_in_the_browser(self):
        """The tour: the customer opens the link, signs with the widget."""
        self.contract.partner_id.sudo().name = "Portal Customer"
        token = self.contract.sudo().access_token
        self.start_tour(
            f"/my/contracts/{self.contract.id}?access_token={token}",
            "contract_lifecycle_portal_sign",
        )
        self.assertEqual(self.contract.state, "active")
        self.assertEqual(self.contract.signed_by, "Portal Customer")
        self.assertTrue(self.contract.customer_signature)
        self.assertTrue(self.contract.action_verify_signature())

    def test_wrong_link_changes_nothing(self):
        page = self.url_open(f"/my/contracts/{self.contract.id}?access_token=forged")
        self.assertNotIn("Delivery in Hangzhou.", page.text)
        result = self._sign("forged")
        self.assertIn("wrong access token", result["error"])
        result = self._sign(self.contract.sudo().access_token, signature="")
        self.assertIn("signature is missing", result["error"])
        self.assertEqual(self.contract.state, "approved")
        self.assertFalse(self.contract.signed_by)
