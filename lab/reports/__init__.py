"""Reports: read-only figures for managers and funders, from one query layer.

Every page, chart and export reads the same queries (``lab.reports.queries``), so a figure on
screen and in a file cannot disagree. The domain reads other domains' tables directly and never
writes them; the only rows it writes are its own (closed periods and their frozen snapshots).
"""
