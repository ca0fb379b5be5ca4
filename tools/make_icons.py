"""Draw the app icons (static/icon-*.png) with Pillow: a white ring open on the right (a "C")
on the header's green. Run again after changing the colour; the PNGs are committed.

    python tools/make_icons.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

STATIC = Path(__file__).resolve().parent.parent / "compagnon" / "server" / "static"
GREEN = (11, 110, 79, 255)
WHITE = (255, 255, 255, 255)


def icon(side: int, safe_zone: float) -> Image.Image:
    """`safe_zone`: the share of the side the drawing may use (maskable icons get cropped)."""
    scale = 4  # drawn large, then reduced: smooth edges without antialiasing support
    big = side * scale
    image = Image.new("RGBA", (big, big), GREEN)
    draw = ImageDraw.Draw(image)
    ring = big * safe_zone * 0.8
    box = ((big - ring) / 2, (big - ring) / 2, (big + ring) / 2, (big + ring) / 2)
    draw.arc(box, start=40, end=320, fill=WHITE, width=int(ring * 0.16))
    return image.resize((side, side), Image.Resampling.LANCZOS)


def main() -> None:
    icon(192, 1.0).save(STATIC / "icon-192.png", optimize=True)
    icon(512, 1.0).save(STATIC / "icon-512.png", optimize=True)
    icon(512, 0.8).save(STATIC / "icon-maskable-512.png", optimize=True)


if __name__ == "__main__":
    main()
