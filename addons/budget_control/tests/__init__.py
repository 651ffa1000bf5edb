from . import test_install
from . import test_budget
from . import test_budget_approval
from . import test_budget_hardening
from . import test_budget_transition
from . import test_budget_change
from . import test_budget_nested
from . import test_budget_payment_hold
