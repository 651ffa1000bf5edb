from . import control_budget_release
from . import control_budget_analysis
from . import account_payment_register
