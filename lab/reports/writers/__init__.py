"""Report tables into files: CSV, XLSX and PDF, byte for byte the same for the same input.

Nothing in a file depends on when it is made: the caller gives the date it carries (a closed
period's closing time), XlsxWriter writes fixed timestamps in its zip, and fpdf2 derives the PDF's
identifier from its content and that date. Withheld cells are written as their marker text
(``markers``), never as a number. Numbers shown to people are worded by ``format_value``.
"""

from lab.reports.writers.csv import csv_bytes
from lab.reports.writers.pdf import Figure, PdfDocument, Section, draw_chart, pdf_bytes
from lab.reports.writers.words import format_value
from lab.reports.writers.xlsx import xlsx_bytes

__all__ = [
    "Figure",
    "PdfDocument",
    "Section",
    "csv_bytes",
    "draw_chart",
    "format_value",
    "pdf_bytes",
    "xlsx_bytes",
]
