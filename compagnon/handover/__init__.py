"""What the catalogue hands on: bulk export and import (`export.py`, `importer.py`,
`amb_import.py`), statistics (`statistics.py`, `charts.py`, `counted.py`), and to
harvesters: OAI-PMH 2.0 (`oai.py`, with the metadata formats of `metadata.py` and the sets of
`sets.py`), the sitemap and robots.txt
(`sitemap.py`) and Atom/RSS feeds (`feeds.py`). `records.py` keeps the repository's records
current as objects are published, received, edited and deleted (called from
federation/search_index.py, beside the search index); `queries.py` reads them a page at a
time. The views are in server/views/handover.py.
"""
