"""Messages with a link or a name inside stay one sentence for translators, and nothing in
the fields can add markup: the translation and every plain field are escaped."""

from __future__ import annotations

from types import SimpleNamespace

from compagnon.server.templating import link, with_links
from compagnon.server.views.social import notification_text


def test_a_link_goes_inside_the_sentence_and_plain_fields_are_escaped() -> None:
    shown = with_links(
        "<i>Organised</i> by {name} for {who}",
        name=link("https://a.example/@ana", "Ana <3"),
        who="<script>",
    )
    assert shown == (
        "&lt;i&gt;Organised&lt;/i&gt; by "
        '<a href="https://a.example/@ana">Ana &lt;3</a> for &lt;script&gt;'
    )


def test_a_notification_is_one_sentence_with_the_name_linked() -> None:
    actor = SimpleNamespace(name='<img src=x onerror="1">', username="ana", is_local=True)
    shown = notification_text("like", actor)  # type: ignore[arg-type]
    assert shown == ('<a href="/@ana">&lt;img src=x onerror=&#34;1&#34;&gt;</a> liked your post')
    assert notification_text("follow", None) == "Someone follows you"


def test_every_stored_code_has_a_label_of_its_own() -> None:
    from compagnon.federation.outbox.publish import VISIBILITIES
    from compagnon.server import labels
    from compagnon.storage.models import ROLES
    from compagnon.storage.queries import deliveries
    from compagnon.storage.queries.peers import POLICIES

    assert set(labels.visibility_labels()) == set(VISIBILITIES)
    assert all(labels.role_label(code) for code in ROLES)
    assert labels.role_label("admin") == "admin" and labels.role_label("trainer") == "trainer"
    policies = [labels.policy_label(p) for p in POLICIES]
    assert policies == ["no policy", "allowed", "silenced", "blocked"]
    states = (deliveries.PENDING, deliveries.DELIVERED, deliveries.GAVE_UP, deliveries.CANCELLED)
    shown = [labels.delivery_state_label(s) for s in states]
    assert shown == ["pending", "delivered", "given up", "cancelled"]
