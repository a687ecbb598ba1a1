"""The choices a generation request may make: styles, aspect ratios, sizes, qualities, formats, providers.

Plain words with no behaviour, so the generation pipeline and the prompt templates (whose saved
settings are such choices) both validate against the same lists without importing each other.
"""

# style -> the phrase added to the full prompt
STYLES = {
    "photorealistic": "photorealistic, natural light, high detail",
    "cinematic": "cinematic still, dramatic lighting, shallow depth of field",
    "anime": "anime illustration, clean line art, cel shading",
    "manga": "black and white manga panel, screentone shading",
    "comic": "comic book art, bold ink outlines, halftone shading",
    "watercolor": "watercolor painting, soft washes, paper texture",
    "oil-painting": "oil painting, visible brush strokes",
    "digital-art": "digital art, vibrant colours",
    "3d-render": "3D render, soft global illumination",
    "pixel-art": "pixel art, limited palette",
    "sketch": "pencil sketch, cross-hatching",
    "minimal": "minimalist, flat shapes, generous negative space",
    "flat-icon": "flat vector icon, simple geometric shapes",
    "vivid": "vivid, hyper-real colours",
    "natural": "natural, realistic colours",
}

# aspect ratio -> (width, height), multiples of 64 near one megapixel
ASPECT_RATIOS = {
    "1:1": (1024, 1024), "16:9": (1344, 768), "9:16": (768, 1344), "4:3": (1152, 896),
    "3:4": (896, 1152), "3:2": (1216, 832), "2:3": (832, 1216), "21:9": (1536, 640),
}

SIZES = ("256x256", "512x512", "768x768", "1024x1024", "1024x1536", "1536x1024", "1024x1792",
         "1792x1024", *(f"{w}x{h}" for w, h in ASPECT_RATIOS.values()))

QUALITIES = ("low", "medium", "high", "standard", "hd", "auto")
FORMATS = ("png", "jpeg", "webp")
MAX_N = 4

# the providers a request may name (app.ai.providers holds their classes under these names)
PROVIDER_NAMES = ("procedural", "openai", "gemini", "automatic1111", "comfyui")
