"""Rewrite README.md's role × action table from app/permissions.py (the tests compare them)."""
import pathlib
import re

from app.permissions import table_markdown

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"
text = README.read_text(encoding="utf-8")
table = re.compile(r"\| hành động \|.*?(?=\n\n)", re.S)
README.write_text(table.sub(lambda _m: table_markdown(), text, count=1), encoding="utf-8")
