from . import test_control_log
from . import test_approval_sale
from . import test_approval_documents
from . import test_invoice_requires_sale_order
from . import test_team_documents
from . import test_translation
from . import test_xlsx_export
from . import test_my_approvals_tour
