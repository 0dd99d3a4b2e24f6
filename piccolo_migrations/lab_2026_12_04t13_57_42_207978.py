"""The studio's induction is a skill now: the induction table and the resource's induction
column go, after the previous migration copied them into skill evidence and ``required_skill``."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-04T13:57:42:207978"
VERSION = "1.38.0"
DESCRIPTION = ""


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="lab", description=DESCRIPTION
    )

    manager.drop_table(
        class_name="Induction", tablename="visitor_induction", schema=None
    )

    manager.drop_column(
        table_class_name="Resource",
        tablename="resource",
        column_name="required_induction",
        db_column_name="required_induction",
        schema=None,
    )

    return manager
