"""The province plugins shipped with Chỉ số. Each registers itself through the entry-point
group ``chiso.plugins`` in pyproject.toml, as a separately installed package would."""
