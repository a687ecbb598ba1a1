"""Token prices: each kind of token at its published price; what has no price stays unknown."""

import json

import pytest

from app.ai.pricing import generation_price, token_price


def test_tokens_are_priced_by_kind_at_the_published_rates():
    tokens = {"input": 1250, "output": 4160, "input_text": 50, "input_image": 1200, "output_image": 4160}
    # gpt-image-1: text in $5/M, image in $10/M, image out $40/M
    assert token_price({}, "openai", "gpt-image-1", tokens) == pytest.approx(50 * 5e-6 + 1200 * 10e-6 + 4160 * 40e-6)
    # gpt-image-1-mini: $2, $2.50, $8
    assert token_price({}, "openai", "gpt-image-1-mini", tokens) == pytest.approx(
        50 * 2e-6 + 1200 * 2.5e-6 + 4160 * 8e-6)


def test_without_a_split_input_is_text_and_output_is_image():
    assert token_price({}, "openai", "gpt-image-1.5", {"input": 100, "output": 1000}) == pytest.approx(
        100 * 5e-6 + 1000 * 32e-6)


def test_what_has_no_price_is_unknown_never_zero():
    assert token_price({}, "openai", "gpt-image-9", {"input": 10, "output": 10}) is None
    assert token_price({}, "openai", "gpt-image-1", {}) is None
    # gpt-image-1 publishes no text-output price: text output tokens make the cost unknown
    assert token_price({}, "openai", "gpt-image-1", {"input": 10, "output": 300, "output_text": 100}) is None
    assert generation_price({}, "comfyui", "sdxl", "1024x1024", None, {}, 1) is None


def test_a_price_file_adds_token_prices(tmp_path):
    table = tmp_path / "prices.json"
    table.write_text(json.dumps({"tokens": {"openai": {"gpt-image-9": {"text_input": 1, "image_output": 10}}}}))
    config = {"PRICE_TABLE_PATH": str(table)}
    assert generation_price(config, "openai", "gpt-image-9", "1024x1024", "high",
                            {"input": 1000, "output": 2000}, 2) == pytest.approx((1000 * 1e-6 + 2000 * 10e-6) / 2)
