"""The procedural provider's palette follows the prompt: a gallery of its images is not one colour."""

import colorsys

from PIL import ImageStat

from app.ai.providers.base import ProviderRequest
from app.ai.providers.procedural import render


def _image(prompt, style=None):
    return render(ProviderRequest(prompt=prompt, width=256, height=256, style=style))


def _mean_hue(image):
    r, g, b = (value / 255 for value in ImageStat.Stat(image).mean)
    return colorsys.rgb_to_hls(r, g, b)[0]


def test_a_colour_word_in_the_prompt_sets_the_colour():
    red = ImageStat.Stat(_image("A red fox in the snow")).mean
    blue = ImageStat.Stat(_image("A blue whale under the waves")).mean
    green = ImageStat.Stat(_image("A green forest path")).mean
    assert red[0] > red[1] and red[0] > red[2]
    assert blue[2] > blue[0] and blue[2] > blue[1]
    assert green[1] > green[0] and green[1] > green[2]


def test_prompts_without_a_style_get_different_palettes_and_the_same_prompt_the_same_pixels():
    prompts = ["A lighthouse at dusk", "Coffee cup icon", "Friendly robot mascot", "Mountain lake",
               "Samurai cat", "Quarterly report cover", "A bicycle", "Paper airplane"]
    hues = [_mean_hue(_image(prompt)) for prompt in prompts]
    sextants = {int(hue * 6) for hue in hues}  # red, yellow, green, cyan, blue, magenta
    assert len(sextants) >= 5, hues  # not one purple wall: the tiles spread round the colour wheel
    assert _image("A bicycle").tobytes() == _image("A bicycle").tobytes()


def test_a_style_keeps_its_own_palette():
    first = ImageStat.Stat(_image("A lighthouse at dusk", style="comic")).mean
    second = ImageStat.Stat(_image("Coffee cup icon", style="comic")).mean
    assert _image("A red fox", style="minimal").convert("HSV").getextrema()[1][1] < 60  # minimal is grey
    assert first != second  # the same palette, shuffled and laid out by the prompt
