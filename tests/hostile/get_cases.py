"""The GET family of the hostile-input corpus: every route with odd query strings."""

from __future__ import annotations

import random
import re

from tests.hostile.generator import (
    Case,
    Target,
    multiplier,
    odd_strings,
    query_values,
    wire,
)

QUERY_NAMES = [
    "page",
    "max_id",
    "min_id",
    "resource",
    "q",
    "before",
    "eqf",
    "lang",
    "field",
    "type",
    "licence",
    "competence",
    "rel",
    "uri",
    "handle",
    "x",
]
# Numbers scripts' digits and sizes no column holds, broken escapes, an unclosed IPv6 bracket.
SHARP = ["%C2%B2", "%E2%91%A0", "%D9%A3", "9" * 20, "9" * 5000, "-1", "%00", "%ff", "http://[::1"]
ACCEPTS = ["text/html", "application/activity+json", "application/json", "*/*", "\u00e9/\u00e9"]


def fill_path(template: str, target: Target, value: str) -> str:
    """A route's path with every {name} replaced: by something real, or by `value`."""
    real = {
        "username": target.username,
        "object_id": target.object_path.rsplit("/", 1)[-1],
        "activity_id": target.activity_path.rsplit("/", 1)[-1],
        "filename": "site.css",
    }

    def one(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        return wire(value) if value else real.get(name, "x")

    return re.sub(r"\{([^}]+)\}", one, template)


def get_cases(routes: list[str], target: Target, rng: random.Random) -> list[Case]:
    """`routes`: the GET path templates of the app, read from its router by the caller."""
    values = query_values()
    odd = [wire(s) for s in odd_strings() if s]
    cases: list[Case] = []
    for template in routes:
        # Odd path parameters, with real ones otherwise.
        if "{" in template:
            for text in odd[:: max(1, len(odd) // 12)]:
                cases.append(
                    Case("get", f"{template} odd path", "GET", fill_path(template, target, text))
                )
        path = fill_path(template, target, "")
        # Every value in every parameter at once: a view that reads one parameter meets it.
        for i, value in enumerate(values):
            query = "&".join(f"{name}={value}" for name in QUERY_NAMES)
            headers = {"Accept": ACCEPTS[i % len(ACCEPTS)]}
            cases.append(
                Case("get", f"{template} all ={value[:20]}", "GET", f"{path}?{query}", headers)
            )
        # The sharpest values alone in each parameter (a view that checks several in turn
        # would refuse the first and never read the others), some repeated.
        for name in QUERY_NAMES:
            for i, value in enumerate(SHARP):
                query = f"{name}={value}" + (f"&{name}=1" if i % 2 else "")
                headers = {"Accept": ACCEPTS[i % len(ACCEPTS)]}
                cases.append(Case("get", f"{template} ?{name}", "GET", f"{path}?{query}", headers))
        cases.append(Case("get", f"{template} bare ?", "GET", f"{path}?"))
        cases.append(Case("get", f"{template} only &", "GET", f"{path}?&&&=&=="))
        cases.append(Case("get", f"{template} no =", "GET", f"{path}?page&max_id&resource"))
        for _ in range((multiplier() - 1) * 40):
            params = "&".join(
                f"{rng.choice(QUERY_NAMES)}={rng.choice([*values, *odd])}"
                for _ in range(rng.randint(1, 4))
            )
            headers = {"Accept": rng.choice(ACCEPTS)}
            cases.append(Case("get", f"{template} random", "GET", f"{path}?{params}", headers))
    return cases


# --- forms ---------------------------------------------------------------------------------
