"""ComfyUI: queue a workflow with ``POST /prompt``, poll ``GET /history/<id>``, fetch ``GET /view``.

The workflow is the built-in SD/SDXL graph or a file named by
``COMFYUI_WORKFLOW`` (several as ``name=path,...``: each name is a model a
request may ask for); ``comfyui_workflow`` fills it. A generation without a
seed gets a random one, recorded, so it can be made again. A wait that runs
out cancels the job on the server (``POST /queue`` delete, ``POST /interrupt``).
"""

import logging
import random
import time
import uuid

from .base import Provider, ProviderError, ProviderImage, ProviderResult
from .comfyui_errors import classify_prompt, execution_error
from .comfyui_workflow import (
    builtin_workflow,
    fill_workflow,
    load_workflow,
    model_files,
    workflow_settings,
)

log = logging.getLogger(__name__)

MAX_WAIT_SECONDS = 600
BUILTIN = "builtin"


class ComfyUIProvider(Provider):
    name = "comfyui"

    @property
    def default_model(self):
        named = workflow_settings(self.config.get("COMFYUI_WORKFLOW"))
        return next(iter(named), None) or self.config.get("COMFYUI_CHECKPOINT") or "sd_xl_base_1.0.safetensors"

    def _base(self):
        base = (self.config.get("COMFYUI_URL") or "").rstrip("/")
        if not base:
            raise ProviderError("misconfigured", "provider comfyui needs COMFYUI_URL")
        return base

    def workflows(self):
        """{name: graph} from COMFYUI_WORKFLOW (empty: the built-in graph only)."""
        try:
            return {name: load_workflow(path) for name, path in
                    workflow_settings(self.config.get("COMFYUI_WORKFLOW")).items()}
        except (OSError, ValueError) as error:
            raise ProviderError("misconfigured", f"COMFYUI_WORKFLOW: {error}") from error

    def _choose(self, model):
        """(recorded model name, graph, checkpoint asked for): a named workflow, or a checkpoint in the default."""
        workflows = self.workflows()
        if model in workflows:
            return model, workflows[model], None
        if workflows:
            name, graph = next(iter(workflows.items()))
            return (model or name), graph, model
        checkpoint = model or self.config.get("COMFYUI_CHECKPOINT") or "sd_xl_base_1.0.safetensors"
        return checkpoint, builtin_workflow(), checkpoint

    def generate(self, request):
        base = self._base()
        model, graph, checkpoint = self._choose(request.model)
        seed = request.seed if request.seed is not None else random.SystemRandom().randrange(2**32)
        graph = fill_workflow(graph, prompt=request.prompt, negative_prompt=request.negative_prompt, seed=seed,
                              width=request.width, height=request.height, batch_size=request.n,
                              checkpoint=checkpoint, default_checkpoint=self.config.get("COMFYUI_CHECKPOINT"))
        queued = self.http.json(self.http.request("POST", f"{base}/prompt", classify=classify_prompt,
                                                  json={"prompt": graph, "client_id": request.call_id or uuid.uuid4().hex}))
        prompt_id = queued.get("prompt_id")
        if not prompt_id:
            raise ProviderError("bad_response", "comfyui answered without a prompt_id")
        entry = self._wait(base, prompt_id)
        failed = execution_error(entry)
        images = self._outputs(base, entry)
        info = {"seed": seed, "prompt_id": prompt_id}
        if failed:
            if not images:
                raise ProviderError("rejected", f"comfyui: {failed}", code="execution_error")
            info["failed"] = failed  # some outputs succeeded: they are kept, and what failed is said
        if not images:
            raise ProviderError("bad_response", "comfyui finished without an image")
        return ProviderResult(images[: request.n], model, info=info)

    def _outputs(self, base, entry):
        items = [item for output in (entry.get("outputs") or {}).values() if isinstance(output, dict)
                 for item in output.get("images") or [] if isinstance(item, dict) and item.get("filename")]
        saved = [item for item in items if item.get("type", "output") == "output"] or items  # previews only if nothing saved
        return [ProviderImage(self.http.request("GET", f"{base}/view", params={
            "filename": item["filename"], "subfolder": item.get("subfolder", ""),
            "type": item.get("type", "output")}).content) for item in saved]

    def _wait(self, base, prompt_id):
        poll = float(self.config.get("COMFYUI_POLL_SECONDS") or 1.0)
        deadline = time.monotonic() + min(MAX_WAIT_SECONDS, float(self.config.get("PROVIDER_TIMEOUT") or 300))
        while True:
            history = self.http.json(self.http.request("GET", f"{base}/history/{prompt_id}"))
            entry = history.get(prompt_id)
            if entry:
                status = entry.get("status") or {}
                if status.get("completed", True) or status.get("status_str") == "error":
                    return entry
            if time.monotonic() > deadline:
                self._cancel(base, prompt_id)
                raise ProviderError("timeout", f"comfyui did not finish {prompt_id} in time; it was cancelled")
            time.sleep(poll)

    def _cancel(self, base, prompt_id):
        """Take the job off the queue, or interrupt it when it is the one running (never another's job)."""
        try:
            self.http.request("POST", f"{base}/queue", json={"delete": [prompt_id]})
            queue = self.http.json(self.http.request("GET", f"{base}/queue"))
            running = [item[1] for item in queue.get("queue_running") or [] if isinstance(item, list) and len(item) > 1]
            if prompt_id in running:
                self.http.request("POST", f"{base}/interrupt", json={"prompt_id": prompt_id})
        except ProviderError as error:
            log.warning("comfyui: could not cancel %s: %s", prompt_id, error.message)

    def cancel_call(self, call_id):
        """Stop the call whose ``client_id`` is ``call_id``: off the queue when pending, interrupted when running."""
        base = self._base()
        queue = self.http.json(self.http.request("GET", f"{base}/queue"))
        for name in ("queue_pending", "queue_running"):
            for item in queue.get(name) or []:
                extra = item[3] if isinstance(item, list) and len(item) > 3 and isinstance(item[3], dict) else {}
                if extra.get("client_id") == call_id:
                    self._cancel(base, item[1])
                    return True
        return False

    def check_server(self):
        """Problems with the server's node types and model files for every workflow (``/object_info``)."""
        base = self._base()
        workflows = self.workflows() or {BUILTIN: fill_workflow(
            builtin_workflow(), prompt="", negative_prompt="", seed=0, width=64, height=64, batch_size=1,
            checkpoint=self.config.get("COMFYUI_CHECKPOINT") or "sd_xl_base_1.0.safetensors")}
        problems, known = [], {}
        for name, graph in workflows.items():
            for kind in sorted({node["class_type"] for node in graph.values()}):
                if kind not in known:
                    info = self.http.json(self.http.request("GET", f"{base}/object_info/{kind}")).get(kind)
                    known[kind] = info if isinstance(info, dict) else None
                if known[kind] is None:
                    problems.append(f"{name}: node type {kind} is not installed on the server")
            for node_id, kind, input_name, value in model_files(graph):
                options = choice_options(known.get(kind), input_name)
                if options is not None and value not in options:
                    problems.append(f"{name}: {kind} (node {node_id}) {input_name} {value!r} is not on the server")
        return problems


def choice_options(info, input_name):
    """The allowed values of a combo input in ``/object_info``'s answer (old and new formats), or None."""
    inputs = (info or {}).get("input") or {}
    spec = (inputs.get("required") or {}).get(input_name) or (inputs.get("optional") or {}).get(input_name)
    if not isinstance(spec, list) or not spec:
        return None
    if isinstance(spec[0], list):
        return spec[0]
    if spec[0] == "COMBO" and len(spec) > 1 and isinstance(spec[1], dict):
        return spec[1].get("options")
    return None
