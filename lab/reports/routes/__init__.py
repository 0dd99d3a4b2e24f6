from lab.reports.routes.dashboard import home_router, reports_router

__all__ = ["home_router", "reports_router"]
