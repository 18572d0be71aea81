from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: the unified social credit code alphabet (no I, O, S, V, Z) and weights.
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(_ALPHABET.index(char) * weight for char, weight in zip(first17, _WEIGHTS, strict=True))
    return _ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    code = (value or "").strip().upper()
    if not code:
        return
    if len(code) != 18 or any(char not in _ALPHABET for char in code):
        raise ValidationError(_("A unified social credit code has 18 digits or capital letters (no I, O, S, V, Z)."),
                              code="credit_code_format")
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError(_("This unified social credit code has a wrong check character."),
                              code="credit_code_checksum")
