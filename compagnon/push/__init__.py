"""Web Push to phone apps: what Mastodon sends an app when its user is notified.

`keys.py` reads an app's keys, `vapid.py` holds the node's VAPID key pair (RFC 8292) and
signs its JWT, `encryption.py` encrypts a payload to the app (RFC 8291 `aes128gcm`, or the
draft `aesgcm` Mastodon sends by default), `tokens.py` seals the access token a payload
carries, `payload.py` writes the payload as Mastodon does, and `sender.py` is the worker's
step that sends the queued pushes (storage/queries/push.py queues them, in the transaction
that writes the notification). Beside `federation`: it uses its HTTP client and address
check, and nothing of ActivityPub.
"""
