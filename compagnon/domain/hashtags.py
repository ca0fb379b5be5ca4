"""Hashtags in the text a trainer types, found as Mastodon finds them (app/models/tag.rb).

A hashtag is `#` (or the full-width number sign U+FF03) followed by a name:

- the `#` stands at the start of the text, after whitespace or after punctuation other than
  `/ ) # @ & _` (so `(#welding)` and `"#welding"` are tags; `page#top`, `a/#b`, `##x` and
  `&#39;` are not);
- the name is letters (any script), combining marks, digits and `_`, with Mastodon's
  separators `·`, `・` and the zero-width non-joiner inside it (Catalan `col·legi`, Persian);
  it ends at the first other character (`#welding,` is `welding`);
- it holds at least one letter (`#2024` and `#_` are no tags) and at most `MAX_LENGTH`
  characters: a longer run is no tag at all, not a cut one;
- no tag inside an address or a mention: a word (between whitespace) that holds `://` or
  starts with `@` has none (`https://x.example/#a`, `@ana@cfp.example#x`).

Invisible characters end a name (a zero-width space or a direction override is neither a
letter nor a separator), so `#wel<U+200B>ding` is `#wel`; names are taken in NFKC and
compared by `casefold()`, so `#Café` typed with a combining accent and `#CAFÉ` are one tag,
as are `#Weld` typed in full-width letters and `#weld`; a tag is written as first typed. At
most `MAX_TAGS` distinct tags count in one text; later ones stay words.
Pure, and linear in the length of the text whatever it holds.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

MAX_TAGS: Final = 30
MAX_LENGTH: Final = 100  # the hashtag pages and streams refuse longer names
SEPARATORS: Final = frozenset("\u00b7\u30fb\u200c")  # inside a name only, as Mastodon
_WORD: Final = re.compile(r"\S+")
_SIGN: Final = re.compile("[#\uff03]")
NOT_BEFORE: Final = frozenset("/)#@&_\uff03")  # punctuation that joins the # to a word


@dataclass(frozen=True)
class Hashtag:
    """One occurrence: `text[start:end]` is the `#` and the name as typed; `name` is the name
    without its `#`, in NFKC (`WELD` typed in full-width letters is `WELD`, as Mastodon's
    normaliser has it)."""

    start: int
    end: int
    name: str

    @property
    def key(self) -> str:
        return key(self.name)


def key(name: str) -> str:
    """What two spellings of one tag share (case and Unicode form aside)."""
    return unicodedata.normalize("NFKC", name).casefold()


def _word_char(c: str) -> bool:
    return c == "_" or (unicodedata.category(c)[0] in "LMN" and not _other_number(c))


def _other_number(c: str) -> bool:
    # Nl/No (Roman numerals, superscripts, circled digits) are not word characters in
    # Mastodon's `[[:word:]]`; Nd digits are.
    return unicodedata.category(c) in ("Nl", "No")


def _name_char(c: str) -> bool:
    return _word_char(c) or c in SEPARATORS


def _starts_tag(text: str, i: int) -> bool:
    """Whether a `#` at `i` may open a tag, from the character before it."""
    if i == 0:
        return True
    before = text[i - 1]
    if before.isspace():
        return True
    return unicodedata.category(before)[0] == "P" and before not in NOT_BEFORE


def _name_at(text: str, i: int) -> tuple[int, str | None]:
    """The end of the name typed from `i`, and the name when it is a tag."""
    end = i
    while end < len(text) and _name_char(text[end]):
        end += 1
    stop = end
    while stop > i and text[stop - 1] in SEPARATORS:  # separators only inside a name
        stop -= 1
    name = normalised(text[i:stop])
    return (end, None) if name is None else (stop, name)


def normalised(typed: str) -> str | None:
    """The name of the hashtag typed as `typed` (without `#`), in NFKC; None when it is no
    tag (empty, too long, no letter, a character a name cannot hold)."""
    name = unicodedata.normalize("NFKC", typed)
    if not is_name(name) or not any(unicodedata.category(c)[0] == "L" for c in name):
        return None
    return name


def _word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the whitespace-separated words that may hold tags: not addresses,
    not mentions."""
    return [
        m.span()
        for m in _WORD.finditer(text)
        if "://" not in m.group() and not m.group().startswith("@")
    ]


def find(text: str) -> list[Hashtag]:
    """Every hashtag occurrence in `text`, in order, the first `MAX_TAGS` distinct names."""
    found: list[Hashtag] = []
    names: set[str] = set()
    for start, stop in _word_spans(text):
        sign = _SIGN.search(text, start, stop)
        while sign is not None:
            at, resume = sign.start(), sign.end()
            if _starts_tag(text, at):
                end, name = _name_at(text, at + 1)
                if name is not None and (key(name) in names or len(names) < MAX_TAGS):
                    names.add(key(name))
                    found.append(Hashtag(at, end, name))
                resume = max(end, resume)
            sign = _SIGN.search(text, resume, stop)
    return found


def names(text: str) -> list[str]:
    """The distinct hashtags of `text` (without `#`), each as first typed, in order."""
    distinct: dict[str, str] = {}
    for tag in find(text):
        distinct.setdefault(tag.key, tag.name)
    return list(distinct.values())


def is_name(name: str) -> bool:
    """Whether `name` (without `#`, in NFKC) is made as a hashtag's name is. Lenient on
    digits: a peer may send `#2024`, and its page should still open."""
    if not name or len(name) > MAX_LENGTH:
        return False
    if name[0] in SEPARATORS or name[-1] in SEPARATORS:
        return False
    return all(_name_char(c) for c in name)


def page_name(given: str) -> str | None:
    """The name a hashtag page, feed or stream asked for `given` looks up (NFKC, without a
    leading `#`), or None when it can be no hashtag (the page is then a 404)."""
    name = unicodedata.normalize("NFKC", given.strip()).removeprefix("#")
    return name if is_name(name) else None
