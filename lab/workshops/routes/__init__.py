"""HTTP routes of the workshops domain; ``ROUTERS`` is what the app mounts."""

ROUTERS: list = []
