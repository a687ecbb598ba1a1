"""The ETag (and cache key) of a card covers every field of CardParams: two cards that differ in
anything share neither an ETag nor a cache entry."""

from dataclasses import fields, replace

import pytest

from app.og import presets
from app.og.params import CardParams, make_params
from app.og.service import card_etag

BASE = make_params("etag-seed", quote="The same words")

# A value other than BASE's for every field; a field added to CardParams must be added here.
CHANGED = {
    "seed": "another-seed", "aspect": "square", "width": 1000, "height": 500, "quote": "Other words",
    "author": "Someone", "shapes": presets.DEFAULT_SHAPES + 1, "theme": "sunset", "format": "webp",
    "lang": "ja", "layout": "article", "title": "A title", "description": "A description",
    "site": "example.org", "badge": "New", "font": "notoserif", "brand": "acme/v2",
}


def test_every_field_of_the_params_has_a_changed_value():
    assert set(CHANGED) == {field.name for field in fields(CardParams)}
    assert all(getattr(BASE, name) != value for name, value in CHANGED.items())


@pytest.mark.parametrize("name", sorted(CHANGED))
def test_changing_any_field_changes_the_etag(name):
    changed = replace(BASE, **{name: CHANGED[name]})
    assert card_etag(changed) != card_etag(BASE)


def test_two_languages_are_two_cards():
    japanese, chinese = replace(BASE, lang="ja"), replace(BASE, lang="zh-TW")
    assert len({card_etag(BASE), card_etag(japanese), card_etag(chinese)}) == 3


def test_an_alias_or_the_presets_own_size_names_the_same_card():
    width, height = presets.get_preset("twitter").width, presets.get_preset("twitter").height
    twitter = make_params("alias", aspect="twitter")
    assert card_etag(make_params("alias", aspect="x")) == card_etag(twitter)
    assert card_etag(make_params("alias", aspect="twitter", width=width, height=height)) == card_etag(twitter)


def test_cards_that_differ_only_in_lang_have_different_etags_over_http(client):
    answers = [client.get("/og/lang-card.png", query_string={"quote": "漢字の一文", "lang": lang}) for lang in ("ja", "zh-CN")]
    assert [answer.status_code for answer in answers] == [200, 200]
    assert answers[0].headers["ETag"] != answers[1].headers["ETag"]
    again = client.get("/og/lang-card.png", query_string={"quote": "漢字の一文", "lang": "zh-CN"},
                       headers={"If-None-Match": answers[0].headers["ETag"]})
    assert again.status_code == 200  # the Japanese card's ETag does not revalidate the Chinese one
