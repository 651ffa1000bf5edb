from odoo import http
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.exceptions import AccessError, MissingError
from odoo.http import request


class ContractPortal(CustomerPortal):
    """The customer reads an approved contract from the link it was sent
    (access token) and signs it with Odoo's signature widget."""

    def _contract_from_link(self, contract_id, access_token):
        return self._document_check_access(
            "contract.contract", contract_id, access_token=access_token
        )

    @http.route(
        ["/my/contracts/<int:contract_id>"], type="http", auth="public", website=True
    )
    def portal_contract_page(
        self, contract_id, access_token=None, report_type=None, download=False, **kw
    ):
        try:
            contract_sudo = self._contract_from_link(contract_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        if report_type in ("html", "pdf", "text"):
            return self._show_report(
                model=contract_sudo,
                report_type=report_type,
                report_ref="contract_lifecycle.contract_contract_report",
                download=download,
            )
        values = {
            "contract": contract_sudo,
            "page_name": "contract",
            "sign_error": contract_sudo._portal_sign_error(
                access_token or request.httprequest.args.get("access_token")
            ),
            "message": kw.get("message"),
            "res_company": contract_sudo.company_id,
        }
        return request.render("contract_lifecycle.contract_portal_template", values)

    @http.route(
        ["/my/contracts/<int:contract_id>/sign"],
        type="json",
        auth="public",
        website=True,
    )
    def portal_contract_sign(
        self, contract_id, access_token=None, name=None, signature=None
    ):
        access_token = access_token or request.httprequest.args.get("access_token")
        contract_sudo = (
            request.env["contract.contract"].sudo().browse(contract_id).exists()
        )
        if not contract_sudo:
            return {"error": request.env._("This contract does not exist.")}
        error = contract_sudo._portal_sign(
            access_token, name, signature, request.httprequest.remote_addr
        )
        if error:
            return {"error": error}
        return {
            "force_refresh": True,
            "redirect_url": contract_sudo.get_portal_url(
                query_string="&message=sign_ok"
            ),
        }
