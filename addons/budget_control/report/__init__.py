from . import control_budget_report
