"""A follow's options without a phone app: on a followed profile, the button beside the bell
keeps that account's shares out of the trainer's home (what an app's `reblogs=false` does),
and `compagnon follow-options` shows and sets both the shares and the bell (`notify`)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from compagnon.cli import main
from tests.conftest import NodeFactory
from tests.integration.test_social_cli import cli_args
from tests.support.mastodon_app import hidden_fields
from tests.support.nodes import Node, settle
from tests.support.signin import sign_in


async def cli(node: Node, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    await asyncio.to_thread(main, [*args, *cli_args(node)])
    return capsys.readouterr().out


def pressed(page: str, action: str) -> str:
    """A toggle's state on a profile page: "true" (on) or "false"."""
    form = page.split(f'action="{action}"', 1)[1].split("</form>", 1)[0]
    return form.split('aria-pressed="', 1)[1].split('"', 1)[0]


async def test_the_shares_button_on_a_followed_profile_keeps_them_out_of_home(
    make_node: NodeFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    a = await make_node("a")
    for name in ("maria", "rita", "pia"):
        await a.create_user(name)
    await a.follow("maria", f"rita@{a.domain}")
    post = await a.post("pia", "Torque chart for M8 bolts")
    await a.post("rita", "Workshop closed on Friday")
    await cli(a, capsys, "share", "rita", post.uri)
    await settle(a)
    async with httpx.AsyncClient(base_url=a.base, headers={"Accept": "text/html"}) as http:
        await sign_in(http, "maria")
        home = (await http.get("/home")).text
        assert "rita shared" in home and "Torque chart for M8 bolts" in home
        assert pressed((await http.get("/@rita")).text, "/follow/shares") == "false"

        fields = hidden_fields((await http.get("/@rita")).text, "/follow/shares")
        answer = await http.post("/follow/shares", data=fields)
        assert answer.status_code == 303 and answer.headers["Location"] == "/@rita"
        assert pressed((await http.get("/@rita")).text, "/follow/shares") == "true"
        home = (await http.get("/home")).text
        assert "rita shared" not in home and "Torque chart for M8 bolts" not in home
        assert "Workshop closed on Friday" in home  # her own posts still come

        # Pressed again: her shares are back.
        fields = hidden_fields((await http.get("/@rita")).text, "/follow/shares")
        assert (await http.post("/follow/shares", data=fields)).status_code == 303
        assert "rita shared" in (await http.get("/home")).text

        # Without the form's token, or for someone not followed, nothing changes.
        refused = await http.post("/follow/shares", data={"actor": fields["actor"], "hide": "on"})
        assert refused.status_code == 403
        assert pressed((await http.get("/@rita")).text, "/follow/shares") == "false"
        pia = await a.actor("pia")
        stranger = {**fields, "actor": pia.uri, "hide": "on"}
        assert (await http.post("/follow/shares", data=stranger)).status_code == 404
    out = await cli(a, capsys, "follow-options", "maria", f"rita@{a.domain}")
    assert "shares: shown at home" in out


async def test_follow_options_command_sets_the_bell_and_the_shares(
    make_node: NodeFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    a = await make_node("a")
    for name in ("maria", "rita", "pia"):
        await a.create_user(name)
    await a.follow("maria", f"rita@{a.domain}")
    out = await cli(a, capsys, "follow-options", "maria", f"@rita@{a.domain}")
    assert "new posts: not notified" in out and "shares: shown at home" in out

    out = await cli(
        a, capsys, "follow-options", "maria", f"rita@{a.domain}", "--notify", "--no-shares"
    )
    assert "new posts: notified" in out and "shares: hidden from home" in out
    post = await a.post("pia", "Torque chart for M8 bolts")
    await a.post("rita", "Workshop closed on Friday")
    await cli(a, capsys, "share", "rita", post.uri)
    await settle(a)
    rita = await a.actor("rita")
    told = await cli(a, capsys, "notifications", "maria")
    assert told.count(f"\tstatus\t{rita.uri}") == 1
    async with httpx.AsyncClient(base_url=a.base, headers={"Accept": "text/html"}) as http:
        await sign_in(http, "maria")
        home = (await http.get("/home")).text
        assert "Workshop closed on Friday" in home and "rita shared" not in home
        page = (await http.get("/@rita")).text
        assert pressed(page, "/follow/notify") == "true"
        assert pressed(page, "/follow/shares") == "true"

        # Given once, a flag stays; the other one alone changes.
        out = await cli(a, capsys, "follow-options", "maria", rita.uri, "--shares")
        assert "new posts: notified" in out and "shares: shown at home" in out
        assert "rita shared" in (await http.get("/home")).text
        await cli(a, capsys, "follow-options", "maria", rita.uri, "--no-notify")
        await a.post("rita", "Lunch at 12")
        await settle(a)
        assert (await cli(a, capsys, "notifications", "maria")).count("\tstatus\t") == 1

    with pytest.raises(SystemExit, match="maria does not follow"):
        await cli(a, capsys, "follow-options", "maria", f"pia@{a.domain}", "--notify")
