"""Signing in through the login form, as a browser does: every hidden field of the form (a CSRF
token, when the form has one) is sent back with the username and password."""

from __future__ import annotations

import re

import httpx

HIDDEN = re.compile(r"<input[^>]*type=\"hidden\"[^>]*>")
ATTRIBUTE = re.compile(r'(name|value)="([^"]*)"')

PASSWORD = "correct horse battery"  # what Node.create_user sets


async def sign_in(http: httpx.AsyncClient, username: str, password: str = PASSWORD) -> None:
    """Log `http` (a client with a cookie jar, based on the node's URL) in as `username`."""
    form = await http.get("/login")
    fields: dict[str, str] = {}
    for tag in HIDDEN.findall(form.text):
        attributes = dict(ATTRIBUTE.findall(tag))
        if "name" in attributes:
            fields[attributes["name"]] = attributes.get("value", "")
    answer = await http.post("/login", data={**fields, "username": username, "password": password})
    assert answer.status_code == 303, answer.text
