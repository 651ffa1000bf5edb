from . import control_approval_reason
from . import control_log_export
from . import control_anomaly_review
from . import account_payment_register
