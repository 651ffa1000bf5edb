from . import control_budget_release
from . import account_payment_register
