"""Other people's ActivityPub servers, installed from the registries and run on loopback for
the interop tests: Fedify (fedify_peer), bovine-herd (bovine_peer), fediverse-pasture
(pasture_peer). See README.md."""
