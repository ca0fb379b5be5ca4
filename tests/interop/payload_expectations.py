"""What each captured payload in tests/interop/payloads/ must become in our code: the
expectations test_payloads.py checks, kept apart from the checks themselves."""

from __future__ import annotations

# file: (type, username, shared inbox, key id, the PEM is a usable RSA key)
ACTORS: dict[str, tuple[str, str, str | None, str, bool]] = {
    "bovine/actor_application.json": (
        "Application",
        "bovine",
        None,
        "https://mymath.rocks/activitypub/bovine#main-key",
        False,  # the docs elide the key: "-----BEGIN PUBLIC KEY-----....-----END ..."
    ),
    "bridgyfed/actor_service.json": (
        "Service",
        "bsky.brid.gy",
        "https://bsky.brid.gy/ap/sharedInbox",
        "https://bsky.brid.gy/bsky.brid.gy#key",
        False,  # Vernissage's fixture replaced the key with "AAAAA"
    ),
    "fedify/actor_person.json": (
        "Person",
        "alice",
        "http://127.0.0.1:18765/inbox",
        "http://127.0.0.1:18765/users/alice#main-key",
        True,
    ),
    "friendica/actor_organization.json": (
        "Organization",
        "informapirata",
        "https://poliverso.org/inbox",
        "https://poliverso.org/profile/informapirata#main-key",
        True,
    ),
    "gotosocial/actor_application_bot.json": (
        "Application",
        "the_mighty_zork",
        None,
        "http://localhost:8080/users/the_mighty_zork/main-key",
        True,
    ),
    "gotosocial/actor_moved.json": (
        "Person",
        "the_mighty_zork",
        None,
        "http://localhost:8080/users/the_mighty_zork/main-key",
        True,
    ),
    "gotosocial/actor_person.json": (
        "Person",
        "the_mighty_zork",
        None,
        "http://localhost:8080/users/the_mighty_zork/main-key",
        True,
    ),
    "gotosocial/actor_shared_inbox.json": (
        "Person",
        "the_mighty_zork",
        "http://localhost:8080/sharedInbox",
        "http://localhost:8080/users/the_mighty_zork/main-key",
        True,
    ),
    "lemmy/actor_group.json": (
        "Group",
        "tenforward",
        "https://enterprise.lemmy.ml/inbox",
        "https://enterprise.lemmy.ml/c/tenforward#main-key",
        True,
    ),
    "lemmy/actor_instance.json": (
        "Application",
        "enterprise.lemmy.ml",
        None,
        "https://enterprise.lemmy.ml/#main-key",
        True,
    ),
    "lemmy/actor_person.json": (
        "Person",
        "picard",
        "https://enterprise.lemmy.ml/inbox",
        "https://enterprise.lemmy.ml/u/picard#main-key",
        True,
    ),
    "mastodon/actor_person.json": (
        "Person",
        "mastodon",
        "https://masto.qa.urbanwildlife.biz/inbox",
        "https://masto.qa.urbanwildlife.biz/users/mastodon#main-key",
        True,
    ),
    "mastodon/actor_person_spec.json": (
        "Person",
        "foo",
        "https://ap.example.com/inbox",
        "https://ap.example.com/users/foo#main-key",
        True,
    ),
    "misskey/actor_person.json": (
        "Person",
        "aimu",
        "https://misskey.io/inbox",
        "https://misskey.io/users/83ssedkv53#main-key",
        True,
    ),
    "misskey/actor_person_locked.json": (
        "Person",
        "mametsuko",
        "https://mk.absturztau.be/inbox",
        "https://mk.absturztau.be/users/8ozbzjs3o8#main-key",
        True,
    ),
    "peertube/actor_group_channel.json": (
        "Group",
        "thelinuxexperiment_channel",
        "https://tilvids.com/inbox",
        "https://tilvids.com/video-channels/thelinuxexperiment_channel#main-key",
        True,
    ),
    "peertube/actor_person.json": (
        "Person",
        "thelinuxexperiment",
        "https://tilvids.com/inbox",
        "https://tilvids.com/accounts/thelinuxexperiment#main-key",
        True,
    ),
    "pleroma/actor_person.json": (
        "Person",
        "lanodan",
        "https://queer.hacktivis.me/inbox",
        "https://queer.hacktivis.me/users/lanodan#main-key",
        True,
    ),
}
LOCKED = {"misskey/actor_person_locked.json"}


class Expect:
    """What object_fields_from_note must give for one object (None: not checked)."""

    def __init__(
        self,
        type_: str,
        visibility: str,
        *,
        language: str | None = None,
        reply: bool = False,
        contains: tuple[str, ...] = (),
        tags: tuple[str, ...] = (),
        name: str = "",
        url: str | None = None,
        options: tuple[str, ...] = (),
    ) -> None:
        self.type = type_
        self.visibility = visibility
        self.language = language
        self.reply = reply
        self.contains = contains
        self.tags = tags
        self.name = name
        self.url = url
        self.options = options


# Objects as sent alone, or embedded in the Create/Update of the named file.
OBJECTS: dict[str, Expect] = {
    "bovine/create_note.json": Expect(
        "Note", "public", language="en", contains=("creating test data",)
    ),
    "bovine/create_note_munching_cow.json": Expect("Note", "public", contains=("<p>TEST</p>",)),
    "fedify/article.json": Expect(
        "Article",
        "public",
        name="Safe TIG welding",
        contains=(
            "<strong>Safe TIG welding</strong>",
            "Five habits for the workshop.",
            "Long text",
            'href="https://fedify.example/@alice/articles/2"',
        ),
        url="https://fedify.example/@alice/articles/2",
    ),
    "fedify/create_note_mention_hashtag.json": Expect(
        "Note",
        "public",
        language="fr",
        reply=True,
        tags=("Mention @bob@mastodon.example", "Hashtag #welding"),
        contains=('class="mention"', 'href="https://fedify.example/media/1.png"', "A weld seam"),
    ),
    "fedify/create_note_peer.json": Expect(
        "Note", "public", contains=("Hello from Fedify",)
    ),  # "to": "as:Public"
    "fedify/create_question_oneof.json": Expect(
        "Question",
        "public",
        options=("MIG", "TIG"),
        contains=("Which process first?", "<li>MIG (2)</li>", "<li>TIG (1)</li>"),
    ),
    "fedify/update_note.json": Expect("Note", "public", contains=("Edited",)),
    "gotosocial/note_hashtag_emoji_attachment.json": Expect(
        "Note",
        "public",
        language="en",
        tags=("Hashtag #welcome",),
        contains=("hello world!", "Black and white image"),
    ),
    "gotosocial/note_mention_reply.json": Expect(
        "Note",
        "public",  # "to" is a single string
        language="en",
        reply=True,
        tags=("Mention @the_mighty_zork@localhost:8080",),  # "tag" is a single object
        contains=('class="u-url mention"', "welcome to the instance!"),
    ),
    "lemmy/create_page.json": Expect(
        "Page",
        "public",
        language="ko",
        name="test post",
        contains=("<strong>test post</strong>", "test body", "xl8W7FZfk9.jpg"),
    ),
    "lemmy/page.json": Expect(
        "Page",
        "public",
        language="fr",
        name="Post title",
        tags=("Mention @tenforward@enterprise.lemmy.ml",),
        contains=("<strong>Post title</strong>", "This is a post in the /c/tenforward community"),
    ),
    "mastodon/create_note_hashtags_attachment.json": Expect(
        "Note",
        "public",
        language="en",
        tags=("Hashtag #prague", "Hashtag #gdansk", "Hashtag #krakow", "Hashtag #london"),
        contains=('class="mention hashtag"', "f264dc16c1ce2a45.png", "Screenshot from Capture One"),
    ),
    "mastodon/create_question.json": Expect(
        "Question",
        "public",
        language="en",
        options=(
            "Dunno",
            "Everyone knows that!",
            "25 char limit is dumb",
            "I can't even fit a funny",
        ),
        contains=("Why is Tenshi eating a corndog so cute?", "<li>Everyone knows that! (1)</li>"),
    ),
    "mastodon/note_direct.json": Expect(
        "Note",
        "direct",
        language="es",
        reply=True,
        tags=("Mention @nutomic@ds9.lemmy.ml",),
        contains=("444",),
    ),
    "mastodon/note_reply_mention_unlisted.json": Expect(
        "Note",
        "unlisted",
        language="en",
        reply=True,
        tags=("Mention @retiolus@mamot.fr",),
        contains=("never been disappointed by a thinkpad",),
    ),
    "mastodon/question_anyof.json": Expect(
        "Question",
        "direct",  # the docs' example carries no addressing at all
        options=("apple", "orange", "banana"),
        contains=("What should I eat for breakfast today?", "<li>orange (7)</li>"),
    ),
    "mastodon/update_note.json": Expect(
        "Note", "public", language="en", contains=("By updating it",)
    ),
    "misskey/create_note.json": Expect("Note", "public", contains=("meow",)),
    "misskey/note.json": Expect("Note", "public", contains=("Fantia",)),
    "misskey/question_mention.json": Expect(
        "Question",
        "public",
        tags=("Mention @march@marchgenso.me",),
        options=("Working", "Broken af"),
        contains=("How are your notifications now?", "<li>Working (", "<li>Broken af ("),
    ),
    "peertube/note_comment_markdown.json": Expect(
        "Note",
        "public",
        reply=True,
        tags=("Mention @af2@bae.st",),
        contains=("<p>@af2@bae.st idk</p>",),  # markdown text, escaped into a paragraph
    ),
    "peertube/video.json": Expect(
        "Video",
        "public",
        language="en",  # PeerTube's "language": {"identifier": "en"}
        name="Mesa, Wayland & X.org in trouble, Debian leaves X, Facebook blocks Linux: "
        "Linux & Open Source News",
        url="https://tilvids.com/videos/watch/e7946124-7b72-4ad7-9d22-844a84bb2de1",
        contains=(
            "<strong>Mesa, Wayland &amp; X.org in trouble",
            'href="https://squarespace.com/thelinuxexperiment"',
            'href="https://tilvids.com/videos/watch/e7946124-7b72-4ad7-9d22-844a84bb2de1"',
        ),
    ),
    "peertube/video_markdown.json": Expect(
        "Video",
        "public",
        language="en",
        name="some title",
        url="https://peertube/videos/watch/some3456-uuid",
        tags=("Hashtag #fosdem", "Hashtag #hare", "Hashtag #kernels"),
        contains=("<strong>some title</strong>", "&gt; huh?<br>", "some3456-uuid</a>"),
    ),
    "pixelfed/create_note_hashtags_image.json": Expect(
        "Note",
        "public",
        tags=("Hashtag #streetphotography", "Hashtag #colorphotography"),
        contains=('class="u-url hashtag"', "YPp7nvccWGSAPcalvb0PvEuDQzcsQZgyCEjsTrFx.jpg"),
    ),
    "pixelfed/create_note_reply_mention.json": Expect(
        "Note",
        "public",
        reply=True,
        tags=("Mention @Alice@gram.social",),  # a single tag object
        contains=("Extra colours!",),
    ),
    "pleroma/create_note.json": Expect(
        "Note",
        "public",
        reply=True,
        tags=("Mention @lanodan@ds9.lemmy.ml",),
        contains=('class="u-url mention"', " test"),
    ),
    "mobilizon/event.json": Expect(
        "Event",
        "public",
        name="Mobilizon Launching Party",
        tags=("Hashtag #Mobilizon", "Hashtag #Party"),
        contains=("<strong>Mobilizon Launching Party</strong>", "Mobilizon is now federated!"),
        url="https://mobilizon.org/events/252d5816-00a3-4a89-a66f-15bf65c33e39",
    ),
    "plume/article.json": Expect(
        "Article",
        "public",
        name="This Month in Plume: June 2018",
        tags=("Mention @Trinity", "Mention @kaniini"),
        contains=(
            "<strong>This Month in Plume: June 2018</strong>",
            "<strong>Bug Fixes and Security</strong>",  # <h2> as Mastodon shows headings
            "this-month-in-plume-june-2018/</a>",
        ),
        url="https://baptiste.gelez.xyz/~/PlumeDevelopment/this-month-in-plume-june-2018/",
    ),
    "wordpress/create_article.json": Expect(
        "Article",
        "public",
        name="The end is near: Mastodon plans to drop OStatus support",
        contains=(
            "<strong>The end is near: Mastodon plans to drop OStatus support</strong>",
            "dropping the protocol that it started with",  # the summary
            "The days of OStatus are numbered.",  # the text, WordPress's comments dropped
        ),
        url="https://wedistribute.org/2019/07/mastodon-drops-ostatus/",
    ),
}

# file: (handler name or None for "stored raw, marked ignored", what the handler leaves)
# Outcomes: "object:<Type>", "reaction:<kind>:<object uri>", "tombstone", "gone", "moved",
# "removed", "ignored:<words of the reason>".
ACTIVITIES: dict[str, tuple[str | None, str]] = {
    "bovine/create_note.json": ("on_create", "object:Note"),
    "bovine/create_note_munching_cow.json": ("on_create", "object:Note"),
    "bovine/delete_munching_cow.json": ("on_delete", "tombstone"),
    "fedify/announce.json": (
        "on_announce",
        "reaction:announce:https://mastodon.example/users/bob/statuses/9",
    ),
    "fedify/create_note_mention_hashtag.json": ("on_create", "object:Note"),
    "fedify/create_note_peer.json": ("on_create", "object:Note"),
    "fedify/create_question_oneof.json": ("on_create", "object:Question"),
    "fedify/delete_note.json": ("on_delete", "tombstone"),
    "fedify/like.json": ("on_like", "reaction:like:https://mastodon.example/users/bob/statuses/9"),
    "fedify/move.json": ("on_move", "moved"),
    "fedify/undo_like.json": ("on_undo", "removed"),
    "fedify/update_note.json": ("on_update", "ignored:update of an object we do not hold"),
    "gotosocial/announce_followers_only.json": (
        "on_announce",
        "reaction:announce:http://localhost:8080/users/the_mighty_zork/statuses/01FCTA44PW9H1TB328S9AQXKDS",
    ),
    # A vote on a poll that is not one of ours (tests/integration/test_quiz.py counts ours).
    "gotosocial/create_poll_vote.json": (
        "on_create",
        "ignored:a vote on a question that is not ours",
    ),
    "gotosocial/delete_note_no_id.json": ("on_delete", "tombstone"),
    "gotosocial/flag.json": ("on_flag", "ignored:names nothing of this node"),
    "gotosocial/move.json": ("on_move", "moved"),
    "lemmy/accept_follow.json": ("on_accept", "ignored:is not an actor of this node"),
    "lemmy/announce_create_page.json": (
        "on_announce",
        "reaction:announce:http://enterprise.lemmy.ml/post/7",  # the post, not the Create
    ),
    "lemmy/create_page.json": ("on_create", "object:Page"),
    "lemmy/delete_user.json": ("on_delete", "gone"),
    "lemmy/dislike_page.json": (None, "ignored"),  # we keep no dislikes, as Mastodon
    "lemmy/like_note.json": ("on_like", "reaction:like:http://ds9.lemmy.ml/comment/1"),
    "mastodon/accept_follow.json": ("on_accept", "ignored:is not an actor of this node"),
    "mastodon/announce.json": (
        "on_announce",
        "reaction:announce:http://mastodon.example.org/@admin/99541947525187367",
    ),
    "mastodon/create_note_hashtags_attachment.json": ("on_create", "object:Note"),
    "mastodon/create_question.json": ("on_create", "object:Question"),
    "mastodon/delete_actor.json": ("on_delete", "gone"),
    "mastodon/delete_note_tombstone.json": ("on_delete", "tombstone"),
    "mastodon/flag.json": ("on_flag", "ignored:names nothing of this node"),
    "mastodon/follow.json": ("on_follow", "ignored:is not an actor of this node"),
    "mastodon/like.json": ("on_like", "reaction:like:https://ds9.lemmy.ml/post/147"),
    "mastodon/move.json": ("on_move", "moved"),
    "mastodon/undo_follow.json": ("on_undo", "ignored:is not an actor of this node"),
    "mastodon/undo_like.json": ("on_undo", "ignored:nothing to undo"),
    "mastodon/update_actor.json": ("on_update", "profile"),
    "mastodon/update_note.json": ("on_update", "ignored:update of an object we do not hold"),
    "misskey/create_note.json": ("on_create", "object:Note"),
    "misskey/like_custom_emoji_reaction.json": (
        "on_like",
        "reaction:like:https://pleroma.local.live/objects/89937a53-2692-4631-bb62-770091267391",
    ),
    "pixelfed/announce.json": (
        "on_announce",
        "reaction:announce:https://mastodonapp.uk/@damianward/111322877716364793",
    ),
    "pixelfed/create_note_hashtags_image.json": ("on_create", "object:Note"),
    "pixelfed/create_note_reply_mention.json": ("on_create", "object:Note"),
    "pleroma/create_note.json": ("on_create", "object:Note"),
    "pleroma/delete.json": ("on_delete", "tombstone"),
    "pleroma/emoji_react.json": (
        "on_emoji_react",
        "reaction:react:http://localtesting.pleroma.lol/objects/eb92579d-3417-42a8-8652-2492c2d4f454",
    ),
    "pleroma/follow.json": ("on_follow", "ignored:is not an actor of this node"),
    "peertube/announce_video.json": (
        "on_announce",
        "reaction:announce:https://tilvids.com/videos/watch/e7946124-7b72-4ad7-9d22-844a84bb2de1",
    ),
    "wordpress/create_article.json": ("on_create", "object:Article"),
}
# Activities applied first, on the same database (an Undo needs what it undoes).
SETUP = {"fedify/undo_like.json": ["fedify/like.json"]}

KNOWN_GAPS: dict[str, str] = {}
