"""Font discovery and per-character fallback for text rendered into slip images.

Thermal printers' code pages cannot show Welsh, emoji or non-Latin scripts, so every slip is
drawn as an image. No single font covers all of Unicode, so each face ("regular", "bold",
"mono") is a chain of font files tried in order; a character goes to the first file whose
character map contains it.

The chain uses Debian's font packages (see printer/README.md): fonts-dejavu-core first,
then fonts-noto-core for other scripts, fonts-symbola for monochrome emoji and
fonts-droid-fallback for Chinese, Japanese and Korean; fonts-unifont comes last, so an
emoji newer than Symbola (Unicode 9) still prints as its shape rather than a box. Extra
folders can be put in front with the VENUEKIT_FONT_DIRS environment variable
(os.pathsep-separated).
"""
from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass

from fontTools.ttLib import TTFont
from PIL import ImageFont

SYSTEM_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")

# Noto script fonts worth trying before the long tail; order matters only where two
# fonts share characters, and each script font holds a single script.
_NOTO_SCRIPTS = (
    "Arabic", "Hebrew", "Devanagari", "Bengali", "Gurmukhi", "Gujarati", "Tamil",
    "Telugu", "Kannada", "Malayalam", "Sinhala", "Oriya", "Thai", "Lao", "Khmer",
    "Myanmar", "Ethiopic", "Georgian", "Armenian", "Thaana", "Syriac", "Tifinagh",
    "Symbols", "Symbols2", "Math",
)

FACE_FILES: dict[str, tuple[str, ...]] = {
    "regular": (
        "DejaVuSans.ttf", "NotoSans-Regular.ttf",
        *(f"NotoSans{s}-Regular.ttf" for s in _NOTO_SCRIPTS),
        "Symbola_hint.ttf", "Symbola.ttf", "DroidSansFallbackFull.ttf",
    ),
    "bold": (
        "DejaVuSans-Bold.ttf", "NotoSans-Bold.ttf",
        *(f"NotoSans{s}-Bold.ttf" for s in _NOTO_SCRIPTS),
    ),
    # Codes are typed by people: a monospaced bold face keeps groups of three aligned.
    "mono": ("DejaVuSansMono-Bold.ttf", "NotoSansMono-Bold.ttf"),
}
# Faces fall through to these when their own files lack a character.
FACE_FALLBACK = {"regular": None, "bold": "regular", "mono": "bold"}
# After every other font, even the long tail of Noto faces: GNU Unifont's glyphs are
# blocky, but cover every emoji up to Unicode 15 and nearly all of the first plane.
LAST_RESORT_FILES = ("unifont_upper.otf", "unifont.otf")
# Emoji and symbol fonts draw line art whose hairline strokes come out as scattered dots
# once grey edges are thresholded for the printer: these are drawn without anti-aliasing
# (see printer/text.py).
SYMBOL_FILES = frozenset({
    "Symbola_hint.ttf", "Symbola.ttf", "NotoSansSymbols-Regular.ttf", "NotoSansSymbols2-Regular.ttf",
    "NotoSansSymbols-Bold.ttf", "NotoSansSymbols2-Bold.ttf", *LAST_RESORT_FILES,
})

# Characters that shaping hides when a font lacks them: they must not force a fallback.
_IGNORABLE = {0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF, 0x00AD}


def is_ignorable(char: str) -> bool:
    """True for zero-width joiners, variation selectors, bidi marks and similar."""
    cp = ord(char)
    return (
        cp in _IGNORABLE
        or 0xFE00 <= cp <= 0xFE0F
        or 0xE0100 <= cp <= 0xE01EF
        or 0x202A <= cp <= 0x202E
        or 0x2066 <= cp <= 0x2069
    )


@dataclass(frozen=True)
class FontFile:
    """One font file on disk and the set of code points it can draw."""

    path: str
    codepoints: frozenset[int]

    def covers(self, char: str) -> bool:
        return ord(char) in self.codepoints or is_ignorable(char)


def is_symbol_font(path: str) -> bool:
    """True for the emoji and symbol fonts, which print best without anti-aliasing."""
    return os.path.basename(path) in SYMBOL_FILES


def font_dirs() -> list[str]:
    """Folders searched for font files, the user's VENUEKIT_FONT_DIRS first."""
    extra = [d for d in os.environ.get("VENUEKIT_FONT_DIRS", "").split(os.pathsep) if d]
    return extra + [d for d in SYSTEM_FONT_DIRS if os.path.isdir(d)]


@functools.lru_cache(maxsize=4)
def _index_files(dirs: tuple[str, ...]) -> dict[str, str]:
    """Map file name -> full path; the first folder wins so user folders override."""
    found: dict[str, str] = {}
    for folder in dirs:
        for root, _subdirs, files in os.walk(folder):
            for name in files:
                if name.lower().endswith((".ttf", ".otf")):
                    found.setdefault(name, os.path.join(root, name))
    return found


_cmap_lock = threading.Lock()


@functools.lru_cache(maxsize=None)
def load_font_file(path: str) -> FontFile:
    """Read a font's character map once per process (fontTools, lazily parsed)."""
    with _cmap_lock:
        with TTFont(path, lazy=True) as font:
            cmap = font.getBestCmap() or {}
    return FontFile(path, frozenset(cmap))


@functools.lru_cache(maxsize=None)
def freetype(path: str, size: int) -> ImageFont.FreeTypeFont:
    """A Pillow font object; raqm layout gives shaping (Arabic joining) and mirroring."""
    layout = ImageFont.Layout.RAQM if ImageFont.core.HAVE_RAQM else ImageFont.Layout.BASIC
    return ImageFont.truetype(path, size, layout_engine=layout)


class FontChain:
    """An ordered list of font files that together draw one face."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths

    @property
    def primary(self) -> str:
        return self.paths[0]

    def files(self):
        for path in self.paths:
            yield load_font_file(path)

    def font_for(self, char: str, prefer: str | None = None) -> str:
        """Path of the font that should draw ``char``; ``prefer`` wins when it can."""
        if prefer is not None and load_font_file(prefer).covers(char):
            return prefer
        for font in self.files():
            if font.covers(char):
                return font.path
        # No font has it: the primary font's "missing glyph" box at least shows something.
        return prefer or self.primary

    def font_for_word(self, word: str, prefer: str | None = None) -> str | None:
        """A single font able to draw every character of ``word``, so joining scripts stay joined."""
        if prefer is not None and all(load_font_file(prefer).covers(c) for c in word):
            return prefer
        for font in self.files():
            if all(font.covers(c) for c in word):
                return font.path
        return None


def _chain_paths(face: str, index: dict[str, str]) -> list[str]:
    paths: list[str] = []
    current: str | None = face
    while current is not None:
        paths += [index[name] for name in FACE_FILES[current] if name in index]
        current = FACE_FALLBACK[current]
    # The long tail: every other Noto regular face, for rare scripts.
    tail = sorted(p for n, p in index.items() if n.startswith("Noto") and n.endswith("-Regular.ttf"))
    last = [index[name] for name in LAST_RESORT_FILES if name in index]
    return list(dict.fromkeys(paths + tail + last))


@functools.lru_cache(maxsize=8)
def _chain(face: str, dirs: tuple[str, ...]) -> FontChain:
    paths = _chain_paths(face, _index_files(dirs))
    if not paths:
        raise FileNotFoundError(
            "No fonts found for printing. Install the Debian packages fonts-dejavu-core, "
            "fonts-noto-core, fonts-symbola and fonts-unifont, or set VENUEKIT_FONT_DIRS."
        )
    return FontChain(paths)


def chain(face: str) -> FontChain:
    """The font chain for a face: "regular", "bold" or "mono"."""
    if face not in FACE_FILES:
        raise ValueError(f"unknown font face {face!r}")
    return _chain(face, tuple(font_dirs()))

