"""A stand-in for the Gemini API (generativelanguage v1beta) that refuses what it refuses.

From ``google-genai``'s types (3.6, December 2026): ``ImageConfig`` takes
``aspectRatio`` in "1:1", "2:3", "3:2", "3:4", "4:3", "9:16", "16:9", "21:9"
(and ``imageSize``) in the Gemini Developer API; Imagen's
``GenerateImagesConfig`` maps to ``:predict`` ``parameters.sampleCount`` (1-4)
and ``aspectRatio`` in "1:1", "3:4", "4:3", "9:16", "16:9". Unknown JSON
names are refused as the API does (400 INVALID_ARGUMENT, "Unknown name").
Inline images must carry the MIME type of their bytes.
"""

import base64
import io
import json

from PIL import Image

RATIOS = {"1:1": (1024, 1024), "2:3": (832, 1248), "3:2": (1248, 832), "3:4": (864, 1184), "4:3": (1184, 864),
          "9:16": (768, 1344), "16:9": (1344, 768), "21:9": (1536, 672)}
IMAGEN_RATIOS = {"1:1": (1024, 1024), "3:4": (896, 1280), "4:3": (1280, 896), "9:16": (768, 1408),
                 "16:9": (1408, 768)}
GENERATE_FIELDS = {"contents", "generationConfig", "safetySettings", "systemInstruction", "tools", "toolConfig",
                   "cachedContent"}
CONFIG_FIELDS = {"responseModalities", "candidateCount", "imageConfig", "temperature", "topP", "topK", "seed",
                 "maxOutputTokens", "stopSequences", "responseMimeType"}
IMAGEN_PARAMETERS = {"sampleCount", "aspectRatio", "personGeneration", "imageSize"}
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}


def invalid(message):
    return 400, {}, {"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}}


def unknown(names, allowed, where):
    extra = sorted(set(names) - allowed)
    return invalid(f'Invalid JSON payload received. Unknown name "{extra[0]}" at \'{where}\': Cannot find field.') \
        if extra else None


def image_b64(size, colour=(200, 90, 40)):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


def check_parts(contents):
    for content in contents:
        for part in content.get("parts") or []:
            inline = part.get("inline_data") or part.get("inlineData")
            if inline is None:
                continue
            declared = inline.get("mime_type") or inline.get("mimeType")
            with Image.open(io.BytesIO(base64.b64decode(inline["data"]))) as image:
                actual = FORMATS.get(image.format)
            if declared != actual:
                return invalid(f"Unable to process input image: declared {declared} but the data is {actual}.")
    return None


def gemini(*, key="g-key", finish=None, seen_ratios=None):
    """``answer(seen)``: ``:generateContent`` for gemini-* and ``:predict`` for imagen-*."""

    def answer(seen):
        if seen.headers.get("x-goog-api-key") != key:
            return 400, {}, {"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.",
                                       "status": "INVALID_ARGUMENT"}}
        model, _, method = seen.path.rpartition("/models/")[2].partition(":")
        body = json.loads(seen.body)
        if method == "predict" and model.startswith("imagen-"):
            return predict(body)
        if method != "generateContent" or not model.startswith("gemini-"):
            return 404, {}, {"error": {"code": 404, "message": f"models/{model} is not found", "status": "NOT_FOUND"}}
        refused = unknown(body, GENERATE_FIELDS, "") or unknown(body.get("generationConfig") or {}, CONFIG_FIELDS,
                                                                 "generation_config")
        if refused:
            return refused
        config = body.get("generationConfig") or {}
        ratio = (config.get("imageConfig") or {}).get("aspectRatio", "1:1")
        if ratio not in RATIOS:
            return invalid(f"Unsupported aspect ratio: {ratio}")
        refused = check_parts(body.get("contents") or [])
        if refused:
            return refused
        if seen_ratios is not None:
            seen_ratios.append(ratio)
        if finish:
            return 200, {}, {"candidates": [{"content": {"role": "model", "parts": []}, "finishReason": finish}],
                             "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 9}}
        parts = [{"text": "Here you are."}, {"inlineData": {"mimeType": "image/png", "data": image_b64(RATIOS[ratio])}}]
        return 200, {}, {"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}],
                         "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 1290,
                                           "totalTokenCount": 1302}}

    def predict(body):
        refused = unknown(body, {"instances", "parameters"}, "") or unknown(body.get("parameters") or {},
                                                                           IMAGEN_PARAMETERS, "parameters")
        if refused:
            return refused
        parameters = body.get("parameters") or {}
        count, ratio = parameters.get("sampleCount", 4), parameters.get("aspectRatio", "1:1")
        if not 1 <= count <= 4:
            return invalid("sampleCount must be between 1 and 4")
        if ratio not in IMAGEN_RATIOS:
            return invalid(f"Unsupported aspect ratio: {ratio}")
        if finish:
            return 200, {}, {}  # every sample filtered
        return 200, {}, {"predictions": [{"bytesBase64Encoded": image_b64(IMAGEN_RATIOS[ratio]),
                                          "mimeType": "image/png"} for _ in range(count)]}

    return answer
