"""HTTP routes of the attendance domain; ``ROUTERS`` is what the app mounts."""

ROUTERS: list = []
