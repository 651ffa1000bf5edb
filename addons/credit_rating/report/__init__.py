from . import credit_exposure_report
from . import credit_aging_report
from . import customer_statement
from . import control_sales_analysis
