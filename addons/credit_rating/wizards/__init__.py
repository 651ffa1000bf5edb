from . import credit_release_wizard
from . import credit_dunning_invoice_wizard
