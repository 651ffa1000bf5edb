from . import test_install
from . import test_contract_lifecycle
from . import test_contract_controls
from . import test_contract_invoicing
from . import test_contract_integrity
from . import test_bad_input
from . import test_contract_hardening
from . import test_contract_milestones
