"""The vocabularies of compagnon/domain/vocab, one module per kind of source
(tools/build_vocabularies.py runs them)."""
