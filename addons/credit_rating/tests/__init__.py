from . import test_install
from . import test_credit_block
from . import test_credit_strategic
from . import test_scorecard
from . import test_credit_access
from . import test_bad_input
from . import test_credit_hardening
