"""Normalisation for duplicate detection: the same company typed in different ways is one key."""

import re
import unicodedata

# Punctuation and brackets that clerks type in both widths: （）() 【】[] · , . - _ / and spaces.
_NOISE = re.compile(r"[\s\-_.,，。、·•()（）\[\]【】<>《》\"'“”‘’/\\]+")


def normalize_name(name: str) -> str:
    """Full-width to half-width (NFKC), lower case, punctuation and spaces removed."""
    text = unicodedata.normalize("NFKC", name or "").lower()
    return _NOISE.sub("", text)


def normalize_phone(phone: str) -> str:
    """Digits only, without a leading +86/0086 country code."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", phone or ""))
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 10:
            digits = digits[len(prefix):]
            break
    return digits
