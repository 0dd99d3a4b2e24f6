"""Piccolo's configuration, importable wherever lab is installed (PICCOLO_CONF=lab.piccolo_conf)."""

from piccolo.conf.apps import AppRegistry

from lab.core.db import engine_for
from lab.settings import Settings

DB = engine_for(Settings.from_env())

APP_REGISTRY = AppRegistry(apps=["lab.piccolo_app"])
