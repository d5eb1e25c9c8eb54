"""Indicator catalogues: the schemes the plugins ship as data, loaded and validated once."""
