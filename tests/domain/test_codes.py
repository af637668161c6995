import pytest

from webapp.domain import codes


@pytest.mark.parametrize("kind", [codes.BALLOT, codes.GROUP, codes.STEWARD, codes.SETUP])
def test_generated_codes_validate_and_roundtrip_through_display(kind):
    for _ in range(200):
        code = codes.generate(kind)
        assert len(code) == kind.data_len + 1
        shown = codes.display(code, kind)
        assert codes.normalize(shown.lower(), kind) == code
        assert codes.normalize(f"  {shown} ", kind) == code


def test_ballot_codes_carry_at_least_40_bits():
    assert codes.BALLOT.bits >= 40


def test_every_single_character_typo_is_caught():
    for _ in range(50):
        code = codes.generate(codes.BALLOT)
        for pos in range(len(code)):
            for ch in codes.ALPHABET:
                if ch != code[pos]:
                    typo = code[:pos] + ch + code[pos + 1 :]
                    assert not codes.is_valid(typo, codes.BALLOT), (code, typo)


def test_most_swapped_neighbours_are_caught():
    caught = total = 0
    for _ in range(300):
        code = codes.generate(codes.BALLOT)
        for pos in range(len(code) - 1):
            if code[pos] != code[pos + 1]:
                total += 1
                swapped = code[:pos] + code[pos + 1] + code[pos] + code[pos + 2 :]
                caught += not codes.is_valid(swapped, codes.BALLOT)
    assert caught / total > 0.97


def test_look_alike_letters_fold_onto_digits():
    data = "0011ABCD"
    code = data + codes.check_char(data)
    assert codes.normalize("OoIlABCD" + code[-1], codes.BALLOT) == code


@pytest.mark.parametrize("text", ["", "ABC", "K7Q-F9M-2XT-9", "K7Q-F9M-2X!", "ÄÄÄÄÄÄÄÄÄ"])
def test_malformed_codes_raise_code_error(text):
    with pytest.raises(codes.CodeError) as info:
        codes.normalize(text, codes.BALLOT)
    assert info.value.code == "bad_code"
    assert "doesn't look right" in str(info.value)


def test_check_character_is_luhn_mod_32():
    # Luhn mod N worked by hand for the data "1": factor 2 -> 2, check = (32 - 2) % 32 = 30 -> 'Y'.
    assert codes.check_char("1") == codes.ALPHABET[30]
    assert codes.check_char("0") == "0"
