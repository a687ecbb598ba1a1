"""A stand-in ComfyUI server that answers as ComfyUI's ``server.py`` and ``execution.py`` do.

``POST /prompt`` validates the graph like ``execution.validate_prompt``: an
unknown ``class_type`` is ``invalid_prompt``, a graph without an output node
``prompt_no_outputs``, and bad inputs are ``node_errors`` (``value_not_in_list``
with ``"ckpt_name: 'x' not in [...]"``, ``required_input_missing``,
``value_smaller_than_min``, ``bad_linked_input``) under
``prompt_outputs_failed_validation``, all with status 400. A graph already run
is served from the cache (nothing executes). ``GET /history/<id>`` has
``status.messages`` with ``execution_error`` when a node fails;
``/queue`` (GET, POST delete), ``/interrupt`` (optional ``prompt_id``),
``/object_info[/<class>]`` and ``/view`` as ComfyUI has them.
"""

import io
import json
import uuid
from dataclasses import dataclass, field

from PIL import Image

CHECKPOINTS = ["sd_xl_base_1.0.safetensors", "v1-5-pruned-emaonly.safetensors", "sd3.5_medium.safetensors"]
UNETS, CLIPS, VAES = ["flux1-dev.safetensors"], ["clip_l.safetensors", "t5xxl_fp16.safetensors"], ["ae.safetensors"]
INT = {"min": 0, "max": 0xFFFFFFFFFFFFFFFF}
SIZE = ["INT", {"default": 512, "min": 16, "max": 16384, "step": 8}]
LATENT_INPUTS = {"width": SIZE, "height": SIZE, "batch_size": ["INT", {"default": 1, "min": 1, "max": 4096}]}


def node(required, output, output_node=False):
    return {"input": {"required": required}, "output": output, "output_node": output_node}


OBJECT_INFO = {
    "CheckpointLoaderSimple": node({"ckpt_name": [CHECKPOINTS, {}]}, ["MODEL", "CLIP", "VAE"]),
    "UNETLoader": node({"unet_name": [UNETS, {}], "weight_dtype": [["default", "fp8_e4m3fn"], {}]}, ["MODEL"]),
    "DualCLIPLoader": node({"clip_name1": [CLIPS, {}], "clip_name2": [CLIPS, {}],
                            "type": [["sdxl", "sd3", "flux"], {}]}, ["CLIP"]),
    "VAELoader": node({"vae_name": [VAES, {}]}, ["VAE"]),
    "EmptyLatentImage": node(LATENT_INPUTS, ["LATENT"]),
    "EmptySD3LatentImage": node(LATENT_INPUTS, ["LATENT"]),
    "CLIPTextEncode": node({"text": ["STRING", {"multiline": True}], "clip": ["CLIP"]}, ["CONDITIONING"]),
    "FluxGuidance": node({"conditioning": ["CONDITIONING"], "guidance": ["FLOAT", {"min": 0.0, "max": 100.0}]},
                         ["CONDITIONING"]),
    "KSampler": node({"model": ["MODEL"], "seed": ["INT", INT], "steps": ["INT", {"min": 1, "max": 10000}],
                      "cfg": ["FLOAT", {"min": 0.0, "max": 100.0}],
                      "sampler_name": [["euler", "euler_ancestral", "dpmpp_2m"], {}],
                      "scheduler": [["normal", "karras", "simple"], {}], "positive": ["CONDITIONING"],
                      "negative": ["CONDITIONING"], "latent_image": ["LATENT"],
                      "denoise": ["FLOAT", {"min": 0.0, "max": 1.0}]}, ["LATENT"]),
    "RandomNoise": node({"noise_seed": ["INT", INT]}, ["NOISE"]),
    "BasicGuider": node({"model": ["MODEL"], "conditioning": ["CONDITIONING"]}, ["GUIDER"]),
    "KSamplerSelect": node({"sampler_name": [["euler", "dpmpp_2m"], {}]}, ["SAMPLER"]),
    "BasicScheduler": node({"model": ["MODEL"], "scheduler": [["simple", "normal"], {}],
                            "steps": ["INT", {"min": 1, "max": 10000}], "denoise": ["FLOAT", {"min": 0, "max": 1}]},
                           ["SIGMAS"]),
    "SamplerCustomAdvanced": node({"noise": ["NOISE"], "guider": ["GUIDER"], "sampler": ["SAMPLER"],
                                   "sigmas": ["SIGMAS"], "latent_image": ["LATENT"]}, ["LATENT", "LATENT"]),
    "VAEDecode": node({"samples": ["LATENT"], "vae": ["VAE"]}, ["IMAGE"]),
    "SaveImage": node({"images": ["IMAGE"], "filename_prefix": ["STRING", {"default": "ComfyUI"}]}, [], True),
    "PreviewImage": node({"images": ["IMAGE"]}, [], True),
}


def _is_link(value):
    return isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)


def _input_errors(graph, node_id):
    entry = graph[node_id]
    errors = []
    for name, spec in OBJECT_INFO[entry["class_type"]]["input"]["required"].items():
        value = entry["inputs"].get(name)
        kind, options = spec[0], spec[1] if len(spec) > 1 else {}
        if value is None:
            errors.append({"type": "required_input_missing", "message": "Required input is missing",
                           "details": name, "extra_info": {"input_name": name}})
        elif _is_link(value):
            source = graph.get(value[0])
            outputs = OBJECT_INFO.get(source["class_type"], {}).get("output", []) if source else []
            if source is None or value[1] >= len(outputs) or outputs[value[1]] != kind:
                errors.append({"type": "bad_linked_input", "message": "Bad linked input, must be a length-2 list "
                               "of [node_id, slot_index]" if source is None else "Return type mismatch between "
                               "linked nodes", "details": name, "extra_info": {"input_name": name}})
        elif isinstance(kind, list):
            if value not in kind:
                errors.append({"type": "value_not_in_list", "message": "Value not in list",
                               "details": f"{name}: '{value}' not in {kind}",
                               "extra_info": {"input_name": name, "input_config": spec, "received_value": value}})
        elif kind in ("INT", "FLOAT"):
            if not isinstance(value, int | float) or isinstance(value, bool) or (kind == "INT" and
                                                                                 not isinstance(value, int)):
                errors.append({"type": "invalid_input_type", "message": f"Failed to convert an input value to a "
                               f"{kind} value", "details": f"{name}, {value}", "extra_info": {"input_name": name}})
            elif "min" in options and value < options["min"]:
                errors.append({"type": "value_smaller_than_min", "message": f"Value {value} smaller than min of "
                               f"{options['min']}", "details": name, "extra_info": {"input_name": name}})
            elif "max" in options and value > options["max"]:
                errors.append({"type": "value_bigger_than_max", "message": f"Value {value} bigger than max of "
                               f"{options['max']}", "details": name, "extra_info": {"input_name": name}})
        elif kind == "STRING" and not isinstance(value, str):
            errors.append({"type": "invalid_input_type", "message": "Failed to convert an input value to a STRING "
                           "value", "details": f"{name}, {value}", "extra_info": {"input_name": name}})
    return errors


def validate(graph):
    """(status, body) as ComfyUI's /prompt answers an invalid graph, or None when it is valid."""
    for node_id, entry in graph.items():
        if not isinstance(entry, dict) or entry.get("class_type") not in OBJECT_INFO:
            kind = entry.get("class_type") if isinstance(entry, dict) else None
            return 400, {"error": {"type": "invalid_prompt", "message": f"Cannot execute because node {kind} does "
                                   "not exist.", "details": f"Node ID '#{node_id}'", "extra_info": {}},
                         "node_errors": {}}
    outputs = [i for i, entry in graph.items() if OBJECT_INFO[entry["class_type"]]["output_node"]]
    if not outputs:
        return 400, {"error": {"type": "prompt_no_outputs", "message": "Prompt has no outputs", "details": "",
                               "extra_info": {}}, "node_errors": []}
    node_errors = {}
    for node_id in graph:
        errors = _input_errors(graph, node_id)
        if errors:
            node_errors[node_id] = {"errors": errors, "dependent_outputs": outputs,
                                    "class_type": graph[node_id]["class_type"]}
    if node_errors:
        return 400, {"error": {"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed "
                               "validation", "details": "", "extra_info": {}}, "node_errors": node_errors}
    return None


def ancestors(graph, node_id, seen=None):
    seen = set() if seen is None else seen
    for value in graph[node_id]["inputs"].values():
        if _is_link(value) and value[0] not in seen:
            seen.add(value[0])
            ancestors(graph, value[0], seen)
    return seen


@dataclass
class ComfyState:
    fail: str | None = None  # a node id or type that fails while running (execution_error)
    hang: bool = False  # never finish: the job stays running
    prompts: dict = field(default_factory=dict)  # prompt_id -> graph
    executed: list = field(default_factory=list)  # prompt ids that ran (not served from the cache)
    cache: dict = field(default_factory=dict)  # graph JSON -> outputs
    deleted: list = field(default_factory=list)
    interrupted: list = field(default_factory=list)
    clients: dict = field(default_factory=dict)  # prompt_id -> the client_id it was queued with


def png(width, height):
    out = io.BytesIO()
    Image.new("RGB", (min(width, 256), min(height, 256)), (90, 160, 60)).save(out, "PNG")
    return out.getvalue()


def run(state, prompt_id, graph):
    """The history entry ComfyUI writes when ``graph`` has run (or failed)."""
    latent = next((e["inputs"] for e in graph.values() if e["class_type"].startswith("Empty")), {})
    failing = next((i for i, e in graph.items() if state.fail in (i, e["class_type"])), None)
    outputs, messages = {}, [["execution_start", {"prompt_id": prompt_id}]]
    key = json.dumps(graph, sort_keys=True)
    if key in state.cache:
        messages.append(["execution_cached", {"nodes": list(graph), "prompt_id": prompt_id}])
        outputs = state.cache[key]
    else:
        state.executed.append(prompt_id)
        for node_id, entry in graph.items():
            if OBJECT_INFO[entry["class_type"]]["output_node"] and failing not in ancestors(graph, node_id):
                outputs[node_id] = {"images": [{"filename": f"imprint_{node_id}_{i:05}_.png", "subfolder": "",
                                                "type": "output" if entry["class_type"] == "SaveImage" else "temp"}
                                               for i in range(int(latent.get("batch_size", 1)))]}
        if failing is None:
            state.cache[key] = outputs
    if failing is not None:
        messages.append(["execution_error", {
            "prompt_id": prompt_id, "node_id": failing, "node_type": graph[failing]["class_type"], "executed": list(outputs),
            "exception_message": "Allocation on device 0 would exceed allowed memory. (out of memory)\n"
                                 "Currently allocated: 7.10 GiB, loaded from /home/comfy/ComfyUI/models/vae/x.pt",
            "exception_type": "torch.OutOfMemoryError",
            "traceback": ['  File "/home/comfy/ComfyUI/execution.py", line 496, in execute\n'],
            "current_inputs": {"samples": ["tensor([[[[0.1, 0.2, ...]]]])"]}, "current_outputs": []}])
        return {"prompt": [0, prompt_id, graph, {}, list(outputs)], "outputs": outputs,
                "status": {"status_str": "error", "completed": False, "messages": messages}, "meta": {}}
    messages.append(["execution_success", {"prompt_id": prompt_id}])
    return {"prompt": [0, prompt_id, graph, {}, list(outputs)], "outputs": outputs,
            "status": {"status_str": "success", "completed": True, "messages": messages}, "meta": {}}


def comfyui(state):
    """``answer(seen)`` for ``serve``, with ``state`` recording what the server did."""

    def answer(seen):
        if seen.method == "POST" and seen.path == "/prompt":
            body = json.loads(seen.body)
            graph = body.get("prompt")
            if not isinstance(graph, dict):
                return 400, {}, {"error": {"type": "no_prompt", "message": "No prompt provided",
                                           "details": "No prompt provided", "extra_info": {}}, "node_errors": {}}
            refused = validate(graph)
            if refused:
                return refused[0], {}, refused[1]
            prompt_id = str(uuid.uuid4())
            state.prompts[prompt_id] = graph
            state.clients[prompt_id] = body.get("client_id")  # server.py keeps it in the item's extra_data
            return 200, {}, {"prompt_id": prompt_id, "number": len(state.prompts), "node_errors": {}}
        if seen.method == "GET" and seen.path.startswith("/history/"):
            prompt_id = seen.path.rsplit("/", 1)[1]
            if prompt_id in state.interrupted:  # execution.py records an interrupted run as an error
                return 200, {}, {prompt_id: {"prompt": [0, prompt_id, state.prompts[prompt_id], {}, []], "outputs": {},
                                             "status": {"status_str": "error", "completed": False, "messages": [
                                                 ["execution_interrupted", {"prompt_id": prompt_id}]]}}}
            if prompt_id not in state.prompts or state.hang or prompt_id in state.deleted:
                return 200, {}, {}
            return 200, {}, {prompt_id: run(state, prompt_id, state.prompts[prompt_id])}
        if seen.path == "/queue":
            if seen.method == "POST":
                state.deleted += json.loads(seen.body).get("delete", [])
                return 200, {}, b""
            # Deleting only takes pending prompts off the queue: a running one stays until interrupted.
            running = [[0, pid, state.prompts[pid], {"client_id": state.clients.get(pid)}, []]
                       for pid in state.prompts if state.hang and pid not in state.interrupted]
            return 200, {}, {"queue_running": running, "queue_pending": []}
        if seen.method == "POST" and seen.path == "/interrupt":
            state.interrupted.append((json.loads(seen.body or b"{}") or {}).get("prompt_id"))
            return 200, {}, b""
        if seen.method == "GET" and seen.path.startswith("/object_info"):
            name = seen.path.removeprefix("/object_info").strip("/")
            return 200, {}, ({name: OBJECT_INFO[name]} if name in OBJECT_INFO else {}) if name else OBJECT_INFO
        if seen.method == "GET" and seen.path == "/view":
            return 200, {"Content-Type": "image/png"}, png(64, 64)
        return 404, {}, b"404: Not Found"

    return answer
