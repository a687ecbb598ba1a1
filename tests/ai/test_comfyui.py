"""ComfyUI against a stand-in that validates graphs and fails them as ComfyUI does."""

import json

from sqlalchemy import select

from app.extensions import db
from app.models import GeneratedImage
from app.storage.images import read_parameters
from tests.ai.comfyui_standin import ComfyState, comfyui
from tests.ai.servers import serve

SD3 = {  # "Save (API)" of an SD3 graph, with Imprint's placeholders
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd3.5_medium.safetensors"}},
    "53": {"class_type": "EmptySD3LatentImage",
           "inputs": {"width": "{{width}}", "height": "{{height}}", "batch_size": "{{batch_size}}"}},
    "16": {"class_type": "CLIPTextEncode", "inputs": {"text": "cinematic, {{prompt}}", "clip": ["4", 1]}},
    "40": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{negative_prompt}}", "clip": ["4", 1]}},
    "3": {"class_type": "KSampler", "inputs": {"seed": "{{seed}}", "steps": 28, "cfg": 4.5, "sampler_name": "euler",
                                               "scheduler": "normal", "denoise": 1, "model": ["4", 0],
                                               "positive": ["16", 0], "negative": ["40", 0], "latent_image": ["53", 0]}},
    "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
    "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "sd3", "images": ["8", 0]}},
}
FLUX = {  # a Flux graph exported as is: no placeholders, Imprint finds the standard nodes
    "10": {"class_type": "UNETLoader", "inputs": {"unet_name": "flux1-dev.safetensors", "weight_dtype": "default"}},
    "11": {"class_type": "DualCLIPLoader", "inputs": {"clip_name1": "t5xxl_fp16.safetensors",
                                                      "clip_name2": "clip_l.safetensors", "type": "flux"}},
    "12": {"class_type": "VAELoader", "inputs": {"vae_name": "ae.safetensors"}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a placeholder from the UI", "clip": ["11", 0]}},
    "26": {"class_type": "FluxGuidance", "inputs": {"guidance": 3.5, "conditioning": ["6", 0]}},
    "22": {"class_type": "BasicGuider", "inputs": {"model": ["10", 0], "conditioning": ["26", 0]}},
    "25": {"class_type": "RandomNoise", "inputs": {"noise_seed": 42}},
    "16": {"class_type": "KSamplerSelect", "inputs": {"sampler_name": "euler"}},
    "17": {"class_type": "BasicScheduler", "inputs": {"model": ["10", 0], "scheduler": "simple", "steps": 20,
                                                      "denoise": 1}},
    "27": {"class_type": "EmptySD3LatentImage", "inputs": {"width": 1024, "height": 1024, "batch_size": 1}},
    "13": {"class_type": "SamplerCustomAdvanced", "inputs": {"noise": ["25", 0], "guider": ["22", 0],
                                                             "sampler": ["16", 0], "sigmas": ["17", 0],
                                                             "latent_image": ["27", 0]}},
    "8": {"class_type": "VAEDecode", "inputs": {"samples": ["13", 0], "vae": ["12", 0]}},
    "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "flux", "images": ["8", 0]}},
}


def _records(app):
    with app.app_context():
        return db.session.scalars(select(GeneratedImage).order_by(GeneratedImage.created_at)).all()


def _app(provider_app, server, **settings):
    return provider_app(AI_PROVIDER="comfyui", COMFYUI_URL=server.url, COMFYUI_POLL_SECONDS=0.01, **settings)


def _queued(server):
    return [seen.json()["prompt"] for seen in server.requests if seen.path == "/prompt"]


def _workflows(tmp_path, **graphs):
    paths = []
    for name, graph in graphs.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(graph))
        paths.append(f"{name}={tmp_path / name}.json")
    return ",".join(paths)


def test_without_a_seed_each_generation_gets_a_random_one_recorded(provider_app):
    state = ComfyState()
    with serve(comfyui(state)) as server:
        app = _app(provider_app, server)
        client = app.test_client()
        first = client.post("/ai/generate", json={"prompt": "a forest"})
        second = client.post("/ai/generate", json={"prompt": "a forest"})
        stored = client.get(second.get_json()["image_url"]).data
    assert first.status_code == second.status_code == 201, second.get_json()
    seeds = [graph["3"]["inputs"]["seed"] for graph in _queued(server)]
    assert seeds[0] != seeds[1] and len(state.executed) == 2  # not served from ComfyUI's cache
    records = _records(app)
    assert [r.meta["provider_info"]["seed"] for r in records] == seeds
    assert f"Seed: {seeds[1]}" in read_parameters(stored)


def test_a_missing_checkpoint_is_summarised_and_not_retried(provider_app):
    with serve(comfyui(ComfyState())) as server:
        app = _app(provider_app, server)
        response = app.test_client().post("/ai/generate", json={"prompt": "x", "model": "missing.safetensors"})
    body = response.get_json()
    assert response.status_code == 502 and body["retryable"] is False
    assert body["message"].startswith("comfyui refused the workflow: CheckpointLoaderSimple (node 4) ckpt_name: "
                                      "'missing.safetensors' not in ['sd_xl_base_1.0.safetensors'")
    assert "node_errors" not in body["message"] and "{" not in body["message"]
    assert len(_queued(server)) == 1
    [record] = _records(app)
    assert record.error == body["message"] and record.meta["error_code"] == "prompt_outputs_failed_validation"


def test_named_workflows_are_models_filled_by_placeholders_or_standard_nodes(provider_app, tmp_path):
    state = ComfyState()
    with serve(comfyui(state)) as server:
        app = _app(provider_app, server, COMFYUI_WORKFLOW=_workflows(tmp_path, sd3=SD3, flux=FLUX))
        client = app.test_client()
        sd3 = client.post("/ai/generate", json={"prompt": "a lake", "negative_prompt": "fog", "model": "sd3",
                                                "size": "1344x768", "n": 2, "seed": 7})
        flux = client.post("/ai/generate", json={"prompt": "a lake at night", "model": "flux", "size": "832x1216"})
    assert sd3.status_code == 201 and flux.status_code == 201, (sd3.get_json(), flux.get_json())
    sent_sd3, sent_flux = _queued(server)
    assert sent_sd3["16"]["inputs"]["text"].startswith("cinematic, a lake")
    assert sent_sd3["40"]["inputs"]["text"] == "fog" and sent_sd3["3"]["inputs"]["seed"] == 7
    assert sent_sd3["53"]["inputs"] == {"width": 1344, "height": 768, "batch_size": 2}
    assert sent_sd3["4"]["inputs"]["ckpt_name"] == "sd3.5_medium.safetensors"
    assert sent_flux["6"]["inputs"]["text"].startswith("a lake at night")
    assert sent_flux["27"]["inputs"] == {"width": 832, "height": 1216, "batch_size": 1}
    assert sent_flux["25"]["inputs"]["noise_seed"] != 42 and sent_flux["10"]["inputs"]["unet_name"] == "flux1-dev.safetensors"
    assert [r.model for r in _records(app)] == ["sd3", "sd3", "flux"]


def test_an_execution_error_is_summarised_without_paths_or_traceback(provider_app):
    with serve(comfyui(ComfyState(fail="VAEDecode"))) as server:
        app = _app(provider_app, server)
        response = app.test_client().post("/ai/generate", json={"prompt": "a big one"})
    body = response.get_json()
    assert response.status_code == 502 and body["retryable"] is False and body["error_code"] == "execution_error"
    assert "VAEDecode (node 8) failed: torch.OutOfMemoryError: Allocation on device 0" in body["message"]
    assert "/home/comfy" not in body["message"] and "traceback" not in body["message"].lower()
    assert "tensor(" not in _records(app)[0].error


def test_outputs_that_succeeded_are_kept_and_the_failure_said(provider_app, tmp_path):
    graph = {**SD3, "10": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
             "11": {"class_type": "SaveImage", "inputs": {"filename_prefix": "b", "images": ["10", 0]}}}
    with serve(comfyui(ComfyState(fail="10"))) as server:
        app = _app(provider_app, server, COMFYUI_WORKFLOW=_workflows(tmp_path, two=graph))
        response = app.test_client().post("/ai/generate", json={"prompt": "two outputs"})
    assert response.status_code == 201, response.get_json()
    [record] = _records(app)
    assert record.meta["provider_info"]["failed"].startswith("VAEDecode (node 10) failed: torch.OutOfMemoryError")


def test_a_wait_that_runs_out_cancels_the_job_on_the_server(provider_app):
    state = ComfyState(hang=True)
    with serve(comfyui(state)) as server:
        app = _app(provider_app, server, PROVIDER_TIMEOUT=0.2)
        response = app.test_client().post("/ai/generate", json={"prompt": "forever"})
    assert response.status_code == 504 and "cancelled" in response.get_json()["message"]
    [prompt_id] = state.prompts
    assert state.deleted == [prompt_id] and state.interrupted == [prompt_id]


def test_doctor_checks_node_types_and_model_files_on_the_server(provider_app, tmp_path):
    from app.doctor import check_providers

    broken = {**FLUX, "10": {"class_type": "UNETLoader", "inputs": {"unet_name": "flux1-schnell.safetensors",
                                                                    "weight_dtype": "default"}},
              "99": {"class_type": "UltimateSDUpscale", "inputs": {}}}
    with serve(comfyui(ComfyState())) as server:
        good = _app(provider_app, server, COMFYUI_WORKFLOW=_workflows(tmp_path, sd3=SD3, flux=FLUX))
        with good.app_context():
            fine = check_providers()
        bad = _app(provider_app, server, COMFYUI_WORKFLOW=_workflows(tmp_path, broken=broken))
        with bad.app_context():
            found = check_providers()
        missing = _app(provider_app, server, COMFYUI_CHECKPOINT="gone.safetensors")
        with missing.app_context():
            no_checkpoint = check_providers()
    assert fine.ok, fine.detail
    assert not found.ok and "UNETLoader (node 10) unet_name 'flux1-schnell.safetensors' is not on the server" in \
        found.detail and "node type UltimateSDUpscale is not installed" in found.detail
    assert not no_checkpoint.ok and "'gone.safetensors' is not on the server" in no_checkpoint.detail
