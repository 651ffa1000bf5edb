from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    credit_block_grade_a = fields.Boolean(
        related="company_id.credit_block_grade_a", readonly=False
    )
    credit_block_grade_b = fields.Boolean(
        related="company_id.credit_block_grade_b", readonly=False
    )
    credit_block_grade_c = fields.Boolean(
        related="company_id.credit_block_grade_c", readonly=False
    )
    credit_block_grade_d = fields.Boolean(
        related="company_id.credit_block_grade_d", readonly=False
    )
    credit_block_overdue = fields.Boolean(
        related="company_id.credit_block_overdue", readonly=False
    )
    dunning_min_amount = fields.Monetary(
        related="company_id.dunning_min_amount", readonly=False
    )
