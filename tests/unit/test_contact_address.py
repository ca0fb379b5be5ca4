"""The address harvesters (OAI-PMH adminEmail) and apps are given to write to about a node:
the configured one, else admin@ the node's own host in a form OAI-PMH's schema takes."""

from __future__ import annotations

import re

import pytest

from compagnon import config

# OAI-PMH.xsd's emailType, which every Identify answer's adminEmail must match.
EMAIL_TYPE = re.compile(r"\S+@(\S+\.)+\S+")


@pytest.mark.parametrize(
    ("domain", "address"),
    [
        ("formacao.example.pt", "admin@formacao.example.pt"),
        ("Formacao.Example.PT:8443", "admin@formacao.example.pt"),
        ("192.0.2.7:8080", "admin@[192.0.2.7]"),  # as mail writes an address (RFC 5321)
        ("localhost:8080", "admin@localhost.invalid"),  # no mail goes there: says so
        ("intranet", "admin@intranet.invalid"),
        ("[2001:db8::1]:8080", "admin@ipv6.invalid"),
    ],
)
def test_without_a_contact_it_is_admin_at_the_node_s_host(domain: str, address: str) -> None:
    settings = config.load_settings(None, environ={"COMPAGNON_DOMAIN": domain})
    assert settings.contact_address == address
    assert EMAIL_TYPE.fullmatch(address)


def test_the_configured_contact_comes_first_and_must_be_an_address() -> None:
    settings = config.load_settings(
        None,
        environ={
            "COMPAGNON_DOMAIN": "formacao.example.pt",
            "COMPAGNON_CONTACT_EMAIL": " catalogo@formacao.example.pt ",
        },
    )
    assert settings.contact_address == "catalogo@formacao.example.pt"
    for wrong in ("catalogo", "catalogo@localhost", "a b@formacao.example.pt", "a@@b.pt"):
        with pytest.raises(config.SettingsError, match="contact_email"):
            config.load_settings(None, environ={"COMPAGNON_CONTACT_EMAIL": wrong})
