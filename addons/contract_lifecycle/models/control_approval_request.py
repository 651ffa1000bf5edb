from odoo import api, fields, models


class ControlApprovalRequest(models.Model):
    """The approver of a contract amendment sees what it changes."""

    _inherit = "control.approval.request"

    contract_diff_html = fields.Html(
        string="Changes of the Contract",
        compute="_compute_contract_diff_html",
        sanitize=False,
        help="For a contract amendment: what the new version changes "
        "(field by field, terms as a redline).",
    )

    @api.depends("res_model", "res_id")
    def _compute_contract_diff_html(self):
        contract_ids = [r.res_id for r in self if r.res_model == "contract.contract"]
        # The engine's view of the document (as the request's own amount and
        # name): an approver may decide without reading the contract itself.
        contracts = self.env["contract.contract"].sudo().browse(contract_ids).exists()
        for request in self:
            contract = (
                contracts.browse(request.res_id)
                if request.res_model == "contract.contract"
                and request.res_id in contracts.ids
                else contracts.browse()
            )
            request.contract_diff_html = contract.diff_html or False
