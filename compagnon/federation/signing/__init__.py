"""Signatures and keys, both ways: who signed a request or an object, and signing ours.

- `signatures.py`: HTTP signatures (draft-cavage as Mastodon uses it), the one entry point the
  rest of Compagnon calls; it hands RFC 9421 requests to `signatures_rfc9421.py`, which parses
  structured fields with `signatures_sfv.py`; both share `signatures_common.py`.
- `keys.py`: key pairs and the raw sign/verify primitives; `key_cache.py`: verified keys in memory.
- Object signatures: `proofs.py` (FEP-8b32 integrity proofs), `ld_signatures.py` (Mastodon's
  RsaSignature2017 on relayed activities), and `integrity.py`, our policy over both.
"""
