from lab.reports.routes.dashboard import home_router, reports_router
from lab.reports.routes.network import network_report_router

__all__ = ["home_router", "network_report_router", "reports_router"]
