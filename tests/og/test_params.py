"""A card's parameters: each documented bound holds at its edge, a refusal names its field, and the
text a card shows is cleaned of what XML forbids."""

import pytest

from app.og import presets
from app.og.palettes import THEMES
from app.og.params import CardParams, ParamError, clean_text, make_params


def _refused(field, message=None, **kwargs):
    seed = kwargs.pop("seed", "s")
    with pytest.raises(ParamError) as refused:
        make_params(seed, **kwargs)
    assert refused.value.field == field
    if message is not None:
        assert refused.value.message == message
        assert str(refused.value) == f"{field}: {message}"


@pytest.mark.parametrize("seed", ["x", "x" * presets.MAX_SEED])
def test_a_seed_of_1_to_255_characters_is_taken(seed):
    assert make_params(seed).seed == seed


@pytest.mark.parametrize("seed", ["", "x" * (presets.MAX_SEED + 1)])
def test_a_seed_outside_1_to_255_characters_is_refused(seed):
    _refused("seed", "length must be between 1 and 255", seed=seed)


@pytest.mark.parametrize("name", ["width", "height"])
def test_a_side_of_64_to_4096_is_taken_and_one_past_either_end_is_refused(name):
    other = "height" if name == "width" else "width"
    assert getattr(make_params("s", **{name: 64}), name) == 64
    assert getattr(make_params("s", **{name: 4096, other: 1024}), name) == 4096
    _refused(name, "must be between 64 and 4096", **{name: 63})
    _refused(name, "must be between 64 and 4096", **{name: 4097, other: 64})


def test_shapes_from_0_to_64():
    assert make_params("s", shapes=0).shapes == 0
    assert make_params("s", shapes=64).shapes == 64
    _refused("shapes", "must be between 0 and 64", shapes=-1)
    _refused("shapes", "must be between 0 and 64", shapes=65)


def test_the_area_is_capped_at_2048_by_2048_naming_the_side_that_was_given():
    assert make_params("s", width=2048, height=2048).size == (2048, 2048)
    _refused("width", "width × height is 4196352 pixels; at most 4194304", width=2049, height=2048)
    _refused("height", "width × height is 4915200 pixels; at most 4194304", height=4096, aspect="square")
    assert make_params("s", height=3495, aspect="square").size == (1200, 3495)  # 4,194,000: under the cap


@pytest.mark.parametrize("field", sorted(presets.TEXT_LIMITS))
def test_each_text_is_taken_up_to_its_limit(field):
    limit = presets.TEXT_LIMITS[field]
    assert getattr(make_params("s", **{field: "x" * limit}), field) == "x" * limit
    _refused(field, f"length must be at most {limit}", **{field: "x" * (limit + 1)})


@pytest.mark.parametrize(("field", "value", "message"), [
    ("aspect", "wide", "must be one of default, square, youtube, twitter, linkedin, story, pinterest, x"),
    ("font", "comic", "must be one of dejavu, notosans, notoserif"),
    ("layout", "poster", "must be one of quote, article, announcement, plain"),
    ("format", "gif", "must be one of png, svg, webp, jpeg"),
    ("lang", "english", "must be a BCP 47 language tag such as ja, ar or zh-TW"),
    ("lang", "ja ", None), ("lang", "", None), ("lang", "zh-TW-Hant-x-y", None),
])
def test_a_value_outside_its_list_is_refused_naming_the_field(field, value, message):
    _refused(field, message, **{field: value})


def test_a_theme_is_one_of_the_palettes_or_auto():
    assert make_params("s").theme == "auto"
    assert make_params("s", theme="sunset").theme == "sunset"
    _refused("theme", "must be one of auto, " + ", ".join(THEMES), theme="neon")


@pytest.mark.parametrize("lang", ["ja", "zh-TW", "sr-Latn-RS", "yue"])
def test_bcp_47_tags_are_taken(lang):
    assert make_params("s", lang=lang).lang == lang


def test_the_size_is_the_presets_unless_a_side_is_given():
    assert make_params("s").size == (1200, 630)
    assert make_params("s", aspect="x").size == (1200, 628)
    assert make_params("s", width=800).size == (800, 630)
    assert make_params("s", aspect="story", height=1000).size == (1080, 1000)


def test_the_cache_key_names_an_alias_and_an_equal_custom_size_as_the_same_card():
    twitter = make_params("s", aspect="twitter")
    assert make_params("s", aspect="x").cache_key() == twitter.cache_key()
    assert make_params("s", aspect="twitter", width=1200, height=628).cache_key() == twitter.cache_key()
    assert make_params("s", aspect="twitter", height=629).cache_key() != twitter.cache_key()
    assert twitter.cache_key() == repr(("s", "twitter", (1200, 628), "", "", 12, "auto", "png", None, "quote",
                                        "", "", "", "", "dejavu", ""))


def test_text_loses_what_xml_forbids_and_keeps_its_lines():
    assert clean_text("X\x00b\x1fc\ud800d\ufffee\uffffX") == "X b c d e X"
    assert clean_text("  line one\r\nline two\n\t") == "line one\nline two"
    assert clean_text("日本語 — ok") == "日本語 — ok"


def test_the_params_made_carry_the_cleaned_text():
    params = make_params("s", quote=" say\x07 it\r\n", author="\x00me", title="t", description="d\x1b",
                         site="ex\x7f", badge=" b ")
    assert (params.quote, params.author, params.title, params.description, params.site, params.badge) == (
        "say  it", "me", "t", "d", "ex", "b")
    assert isinstance(params, CardParams) and params.seed == "s"
