from . import control_budget_release
