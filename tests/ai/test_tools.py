"""Tools: the prompt tools shape the prompt and size; edit and chart draw with Pillow; all are recorded."""

import base64
import io

from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.models import GeneratedImage
from tests.ai.servers import png_bytes
from tests.support import image_rows


def test_prompt_tools_set_tool_name_and_shape(client):
    expected = {"image": "generateUserImage", "avatar": "generateUserAvatar", "anime": "generateAnimeManga",
                "comic": "generateComic", "icon": "generateIconEmoji"}
    for tool, tool_name in expected.items():
        body = client.post("/ai/generate", json={"prompt": "a robot", "tool": tool, "aspect_ratio": "16:9"}).get_json()
        assert body["tool_name"] == tool_name, tool
    icon = client.post("/ai/generate", json={"prompt": "a star", "tool": "icon"}).get_json()
    assert icon["resolution"] == "512x512" and "icon" in icon["prompt_used"]
    avatar = client.post("/ai/generate", json={"prompt": "a robot", "tool": "avatar", "aspect_ratio": "16:9"}).get_json()
    assert avatar["aspect_ratio"] == "1:1" and avatar["resolution"] == "1024x1024"
    from app.models import GeneratedImage

    with client.application.app_context():
        anime = [{"style": r.style} for r in image_rows(GeneratedImage.tool_name == "generateAnimeManga")]
    assert len(anime) == 1 and anime[0]["style"] == "anime"


def test_edit_a_generated_image(app, client):
    source = client.post("/ai/generate", json={"prompt": "to edit", "aspect_ratio": "16:9"}).get_json()
    response = client.post("/ai/tools/edit", json={"image_id": source["id"], "operations": [
        {"op": "crop", "box": [0, 0, 1000, 700]}, {"op": "resize", "width": 500}, {"op": "rotate", "degrees": 90},
        {"op": "filter", "name": "grayscale"}, {"op": "text", "text": "Hello", "color": "#ff0000"}]})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["tool_name"] == "imageEditor" and body["parent_id"] == source["id"] and body["provider"] == "pillow"
    assert body["resolution"] == "350x500"
    with Image.open(io.BytesIO(client.get(body["image_url"]).data)) as image:
        assert image.size == (350, 500)
    bad = client.post("/ai/tools/edit", json={"image_id": source["id"], "operations": [{"op": "crop", "box": [0, 0, 5000, 10]}]})
    assert bad.status_code == 422 and "operations" in bad.get_json()["errors"]["json"]
    assert client.post("/ai/tools/edit", json={"image_id": source["id"], "operations": [{"op": "resize"}]}).status_code == 422
    assert client.post("/ai/tools/edit", json={"image_base64": base64.b64encode(b"nope").decode()}).status_code == 422
    uploaded = client.post("/ai/tools/edit", json={"image_base64": base64.b64encode(png_bytes()).decode(),
                                                   "operations": [{"op": "flip"}]})
    assert uploaded.status_code == 201 and uploaded.get_json()["parent_id"] is None
    with app.app_context():
        assert db.session.scalar(select(GeneratedImage).where(GeneratedImage.status == "failed")) is None


def test_chart_is_rendered_and_recorded(client):
    for kind in ("bar", "line", "pie"):
        response = client.post("/ai/tools/chart", json={"type": kind, "title": f"{kind} chart",
                                                        "labels": ["a", "b", "c"], "values": [3, 1, 2]})
        assert response.status_code == 201, response.get_json()
        body = response.get_json()
        assert body["tool_name"] == "renderChart" and body["resolution"] == "1024x640"
        assert client.get(body["image_url"]).mimetype == "image/png"
    series = client.post("/ai/tools/chart", json={"type": "line", "labels": ["q1", "q2"], "series": [
        {"name": "2024", "values": [1, 2]}, {"name": "2025", "values": [2, 3]}]})
    assert series.status_code == 201
    record = client.get(f"/ai/generated-images/{series.get_json()['id']}").get_json()
    assert record["metadata"]["chart"]["series"][1]["name"] == "2025"
    mismatch = client.post("/ai/tools/chart", json={"type": "bar", "labels": ["a"], "values": [1, 2]})
    assert mismatch.status_code == 422
    assert client.post("/ai/tools/chart", json={"type": "radar", "labels": ["a"], "values": [1]}).status_code == 422
