from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    credit_block_grade_a = fields.Boolean(string="Block Grade A")
    credit_block_grade_b = fields.Boolean(string="Block Grade B")
    credit_block_grade_c = fields.Boolean(string="Block Grade C")
    credit_block_grade_d = fields.Boolean(string="Block Grade D", default=True)
    credit_block_overdue = fields.Boolean(
        string="Block Customers with Overdue Receivables",
        default=True,
        help="Sale orders of a customer with posted receivables past their due "
        "date cannot be confirmed.",
    )

    def _credit_blocked_grades(self):
        """Grades whose orders cannot be confirmed in this company."""
        self.ensure_one()
        return {
            grade
            for grade in ("A", "B", "C", "D")
            if self[f"credit_block_grade_{grade.lower()}"]
        }
