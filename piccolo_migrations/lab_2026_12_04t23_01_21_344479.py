from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T23:01:21:344479"
VERSION = "1.38.0"
DESCRIPTION = "A site's own retention of visitors' records"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="lab", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Site",
        tablename="site",
        column_name="follow_up_age",
        db_column_name="follow_up_age",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="Site",
        tablename="site",
        column_name="retain_visitor_years",
        db_column_name="retain_visitor_years",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
