"""Data for the browser tests, made the way users make it: through the HTTP API."""

import requests

from app.tracking import flush, record


def api(server, key, method, path, **kwargs):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = requests.request(method, server.url + path, headers=headers, timeout=60, **kwargs)
    return response


def generate(server, key, prompt, **fields):
    """POST /ai/generate with the procedural provider; returns the answer's JSON."""
    response = api(server, key, "POST", "/ai/generate", json={"prompt": prompt, "size": "512x512", **fields})
    assert response.status_code == 201, response.text
    return response.json()


def record_logs(app, rows):
    """Generation logs as the progressive logger records them, then wait until they are written."""
    for row in rows:
        record("generation_log", app=app, **row)
    assert flush(app=app)


def settle(app):
    """Write every tracking event this process still holds (logs, OG renders)."""
    assert flush(app=app)


def fill_ledger(app, server, admin, user):
    """A day of activity: images from two users, logs with costs and failures, OG renders, prompt usage."""
    import random
    from datetime import timedelta

    from app.analytics.alerts import check_alerts
    from app.models.types import utcnow

    prompts = [("A lighthouse on a cliff at dusk", "watercolor", None), ("Neon city street in the rain", "cinematic", None),
               ("Friendly robot mascot", None, "avatar"), ("Coffee cup icon", None, "icon"),
               ("Mountain lake at sunrise", "photorealistic", None), ("Samurai cat in a bamboo forest", None, "anime")]
    made = [generate(server, admin if n % 2 else user, prompt, **({"style": style} if style else {}),
                     **({"tool": tool} if tool else {}), tags=["demo"])
            for n, (prompt, style, tool) in enumerate(prompts)]
    rng, now = random.Random(9), utcnow()
    styles = {"photorealistic": 0.04, "anime": 0.02, "watercolor": 0.03, "cinematic": 0.05}
    errors = ["provider timeout after 120 s", "openai: rate limit exceeded (429)", "refused by the safety system"]
    rows = []
    for _ in range(60):
        style = rng.choice(list(styles))
        ok = rng.random() > 0.15
        rows.append({"style": style, "difficulty": rng.randint(1, 3), "success": ok,
                     "duration_ms": rng.randint(900, 9000), "costs": {"image": styles[style], "total": styles[style]},
                     "error_message": None if ok else rng.choice(errors),
                     "created_at": now - timedelta(minutes=rng.randint(1, 23 * 60))})
    rows.append({"style": "cinematic", "difficulty": 2, "success": False, "duration_ms": 700, "costs": {},
                 "error_message": "openai: rate limit exceeded (429)", "created_at": now - timedelta(minutes=2)})
    record_logs(app, rows)
    for seed in ("launch", "launch", "blog-42", "team", "pricing"):
        assert api(server, None, "GET", f"/og?seed={seed}").status_code == 200
    from app.prompts.library import seed_prompts

    with app.app_context():
        seed_prompts()
    for n, scene in enumerate(["rooftop", "cafe", "rooftop", "beach", "rooftop"]):
        answer = api(server, user, "POST", "/posts", json={
            "promptId": "portrait-selfie-casual", "scene": scene, "environment": "city", "outfit": "denim",
            "success": n != 3, "generationTimeMs": 4000 + 500 * n})
        assert answer.status_code == 201, answer.text
    settle(app)
    with app.app_context():
        check_alerts(app.config)
    return made
