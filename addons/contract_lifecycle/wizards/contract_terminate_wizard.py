from odoo import fields, models


class ContractTerminateWizard(models.TransientModel):
    _name = "contract.terminate.wizard"
    _description = "Terminate a Contract"

    contract_ids = fields.Many2many(
        "contract.contract",
        default=lambda self: self.env.context.get("active_ids"),
        required=True,
    )
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.contract_ids.action_terminate(self.reason)
        return {"type": "ir.actions.act_window_close"}
