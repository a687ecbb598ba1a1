"""ComfyUI workflows in API format (node id -> ``class_type`` + ``inputs``), and how Imprint fills them.

A workflow file is what ComfyUI's "Save (API)" exports. Imprint fills it in
two ways, placeholders first:

- a string input that is exactly ``{{prompt}}``, ``{{negative_prompt}}``,
  ``{{seed}}``, ``{{width}}``, ``{{height}}``, ``{{batch_size}}`` or
  ``{{checkpoint}}`` becomes that value (numbers as numbers); ``{{prompt}}``
  inside a longer text is replaced in place;
- without placeholders, the standard nodes: every sampler's seed (``seed``,
  ``noise_seed``), the text encoder reached from a ``positive`` / ``negative``
  / ``conditioning`` input (``text``, or Flux/SD3's ``clip_l``/``t5xxl``/
  ``clip_g``), every ``Empty*Latent*`` node's width/height/batch_size, and
  ``CheckpointLoaderSimple.ckpt_name`` when a checkpoint is asked for.
"""

import copy
import json
import re

PLACEHOLDER = re.compile(r"\{\{\s*(prompt|negative_prompt|seed|width|height|batch_size|checkpoint)\s*\}\}")
SEED_INPUTS = ("seed", "noise_seed")
TEXT_INPUTS = ("text", "clip_l", "clip_g", "t5xxl")
CONDITIONING_LINKS = ("conditioning", "conditioning_1", "positive")  # followed from a guider back to the encoder
CHECKPOINT_LOADERS = {"CheckpointLoaderSimple": "ckpt_name", "CheckpointLoader": "ckpt_name",
                      "UNETLoader": "unet_name"}
MAX_WORKFLOW_BYTES = 2_000_000


def builtin_workflow():
    """The standard checkpoint -> CLIP -> KSampler -> VAE -> SaveImage graph (SD 1.5 / SDXL checkpoints)."""
    return {
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "{{checkpoint}}"}},
        "5": {"class_type": "EmptyLatentImage",
              "inputs": {"width": "{{width}}", "height": "{{height}}", "batch_size": "{{batch_size}}"}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{prompt}}", "clip": ["4", 1]}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{negative_prompt}}", "clip": ["4", 1]}},
        "3": {"class_type": "KSampler", "inputs": {
            "seed": "{{seed}}", "steps": 25, "cfg": 7.0, "sampler_name": "euler", "scheduler": "normal",
            "denoise": 1.0, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0],
            "latent_image": ["5", 0]}},
        "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
        "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "imprint", "images": ["8", 0]}},
    }


def load_workflow(path):
    """A workflow file in API format; ValueError says what is wrong with it."""
    with open(path, "rb") as fh:
        raw = fh.read(MAX_WORKFLOW_BYTES + 1)
    if len(raw) > MAX_WORKFLOW_BYTES:
        raise ValueError(f"{path}: larger than {MAX_WORKFLOW_BYTES} bytes")
    try:
        graph = json.loads(raw)
    except ValueError as error:
        raise ValueError(f"{path}: not JSON ({error})") from error
    if not isinstance(graph, dict) or not graph or not all(
            isinstance(node, dict) and isinstance(node.get("class_type"), str) and isinstance(node.get("inputs"), dict)
            for node in graph.values()):
        raise ValueError(f"{path}: not ComfyUI's API format (export it with \"Save (API)\": "
                         "node id -> {class_type, inputs}); the UI's workflow format has \"nodes\" and \"links\"")
    return graph


def workflow_settings(value):
    """``COMFYUI_WORKFLOW``: ``path`` or ``name=path,name=path`` -> {name: path} (a path's name is its stem)."""
    found = {}
    for item in (value or "").split(","):
        item = item.strip()
        if not item:
            continue
        name, _, path = item.rpartition("=") if "=" in item else ("", "", item)
        name = name.strip() or re.sub(r"\.json$", "", path.strip().rsplit("/", 1)[-1])
        found[name] = path.strip()
    return found


def _is_link(value):
    return isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)


def _placeholders(graph, values):
    """Fill placeholders; True when the graph had any."""
    found = False
    for node in graph.values():
        for name, value in node["inputs"].items():
            if not isinstance(value, str) or not PLACEHOLDER.search(value):
                continue
            found = True
            whole = PLACEHOLDER.fullmatch(value.strip())
            if whole:
                node["inputs"][name] = values[whole.group(1)]
            else:
                node["inputs"][name] = PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), value)
    return found


def _encoder(graph, link, seen=()):
    """The text-encoder node a conditioning link comes from (through FluxGuidance and the like)."""
    if not _is_link(link) or link[0] in seen or link[0] not in graph:
        return None
    node = graph[link[0]]
    if any(name in node["inputs"] for name in TEXT_INPUTS):
        return node
    for name in CONDITIONING_LINKS:
        found = _encoder(graph, node["inputs"].get(name), (*seen, link[0]))
        if found is not None:
            return found
    return None


def _standard_nodes(graph, values, checkpoint):
    for node in list(graph.values()):
        inputs, kind = node["inputs"], node["class_type"]
        for name in SEED_INPUTS:
            if name in inputs and not _is_link(inputs[name]):
                inputs[name] = values["seed"]
        if kind.startswith("Empty") and "Latent" in kind:
            for name in ("width", "height", "batch_size"):
                if name in inputs and not _is_link(inputs[name]):
                    inputs[name] = values[name]
        if kind in CHECKPOINT_LOADERS and checkpoint:
            inputs[CHECKPOINT_LOADERS[kind]] = checkpoint
        for link_name, text in (("positive", values["prompt"]), ("conditioning", values["prompt"]),
                                ("negative", values["negative_prompt"])):
            encoder = _encoder(graph, inputs.get(link_name))
            if encoder is not None:
                for name in TEXT_INPUTS:
                    if name in encoder["inputs"] and not _is_link(encoder["inputs"][name]):
                        encoder["inputs"][name] = text


def fill_workflow(graph, *, prompt, negative_prompt, seed, width, height, batch_size, checkpoint=None,
                  default_checkpoint=None):
    """A copy of ``graph`` with the request's values in place.

    ``checkpoint`` (asked for) replaces the loader's file; ``{{checkpoint}}`` falls back to ``default_checkpoint``.
    """
    graph = copy.deepcopy(graph)
    values = {"prompt": prompt, "negative_prompt": negative_prompt or "", "seed": seed, "width": width,
              "height": height, "batch_size": batch_size, "checkpoint": checkpoint or default_checkpoint}
    if not _placeholders(graph, values):
        _standard_nodes(graph, values, checkpoint)
    return graph


def model_files(graph):
    """(node id, class_type, input, value) of every fixed choice input: the files a server must have."""
    for node_id, node in graph.items():
        for name, value in node["inputs"].items():
            if isinstance(value, str) and re.search(r"\.(safetensors|ckpt|pt|pth|bin|gguf|sft)$", value):
                yield node_id, node["class_type"], name, value
