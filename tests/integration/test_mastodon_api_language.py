"""The language of what a trainer posts from her phone app when the app names none: her own
(`default_language` of update_credentials, which is her language setting), else the node's
first language; a language the app names wins. For plain statuses, polls and the learning
resources of the compose box alike, read back through the API and in the stored object."""

from __future__ import annotations

from tests.conftest import NodeFactory
from tests.integration.test_compose_resource import STATUS
from tests.integration.test_web_push import app_token, client
from tests.support.mastodon_app import call
from tests.support.nodes import Node


async def stored_language(node: Node, uri: str) -> str | None:
    obj = await node.object(uri)
    assert obj is not None
    return obj.language


async def test_a_status_without_a_language_is_in_the_trainers_own(
    make_node: NodeFactory,
) -> None:
    a = await make_node("a", languages="fr,en")
    await a.create_user("maria")
    maria = client(a, (await app_token(a, "maria"))[0])

    # No language of her own yet: the node's first.
    first = await call(maria.status_post, "Bonjour à tous")
    assert first.language == "fr" and await stored_language(a, first.uri) == "fr"

    # She says she writes Romanian: her statuses, polls and resources are Romanian.
    me = await call(maria.account_update_credentials, default_language="ro")
    assert me.source.language == "ro"
    note = await call(maria.status_post, "Bună ziua, colegi")
    assert note.language == "ro" and await stored_language(a, note.uri) == "ro"
    poll = await call(
        maria.status_post,
        "Atelier marți sau joi?",
        poll=maria.make_poll(["marți", "joi"], expires_in=3600),
    )
    assert poll.language == "ro" and await stored_language(a, poll.uri) == "ro"
    resource = await call(maria.status_post, STATUS)
    assert resource.card is not None  # published as a learning resource
    assert resource.language == "ro" and await stored_language(a, resource.uri) == "ro"

    # A language the app names wins over hers.
    named = await call(maria.status_post, "Hola a todos", language="es")
    assert named.language == "es" and await stored_language(a, named.uri) == "es"
    named_resource = await call(maria.status_post, STATUS + " #again", language="pt")
    assert named_resource.language == "pt"
