"""For the `piccolo` command run from the project root; the configuration lives in the package."""

from lab.piccolo_conf import APP_REGISTRY, DB

__all__ = ["APP_REGISTRY", "DB"]
