"""Uploaded files: what they are (sniff.py, from their bytes), where they live (store.py,
content-addressed), their previews (thumbnails.py) and their rows (library.py).

Sits beside `storage`: imported by the server and the CLI, importing only config, domain,
i18n and storage.
"""
