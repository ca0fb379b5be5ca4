"""Handing the catalogue on: bulk export and import, statistics, harvesting."""
