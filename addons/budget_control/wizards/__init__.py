from . import control_budget_release
from . import control_budget_analysis
