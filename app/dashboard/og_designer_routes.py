"""The OG page: a card and brand-template designer with a live preview, the og:image tag, the OG figures."""

from flask import abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for

from app.og import presets, templates
from app.og import stats as og_stats
from app.og.fonts import BASE_FAMILIES
from app.og.palettes import THEMES
from app.og.params import ParamError
from app.og.render import render
from app.og.signing import NotACardUrl, current_policy, query_pairs, sign_card_url

from . import og_designer, overview
from .blueprint import admin_only, blp


def _template(name: str):
    if not name:
        return None
    try:
        return templates.get_template(name)
    except templates.TemplateNotFound:
        return None


@blp.route("/og/sign")
def og_sign():
    """The card URL the designer shows, signed when card URLs must be (the browser holds no key)."""
    path = request.args.get("path", "")[:4096]
    policy = current_policy()
    if not policy.needs_signature(query_pairs(path), path.split('?')[0]):
        return jsonify(url=path)
    try:
        return jsonify(url=sign_card_url(path, policy))
    except NotACardUrl as error:
        abort(400, str(error))


@blp.route("/og")
def og_page():
    """Design a card or a brand template; the preview follows the form; the og:image tag to copy."""
    template = _template(request.args.get("template", ""))
    result = og_designer.design(request.args, template)
    base = (current_app.config.get("PUBLIC_BASE_URL") or request.host_url).rstrip("/")
    data = {}
    if g.principal.is_admin:
        window = overview.resolve_window({"window": "24h"})
        since, until = window.since, window.until
        totals = og_stats.get_stats()
        data = {"stats": totals,
                "aspect_bars": [(row["aspect_ratio"], row["count"]) for row in totals["top_aspect_ratios"]],
                "series": overview.hourly_series(og_stats.renders_per_hour(since, until), since, until, "renders")}
    fonts = list(BASE_FAMILIES) + ([template[1].font] if template and template[1].font not in BASE_FAMILIES else [])
    policy = current_policy()
    public_path = result.public_path
    if public_path and policy.needs_signature(query_pairs(public_path), public_path.split('?')[0]):
        public_path = sign_card_url(public_path, policy)
    return render_template(
        "dashboard/og.html", form=result.form, error=result.error, public_path=public_path,
        sign_url=url_for("dashboard.og_sign") if policy.keys else None,
        preview_path=url_for("dashboard.og_preview", **request.args) if result.params else None,
        base_url=base, presets=presets.PRESETS, layouts=presets.LAYOUTS, fonts=fonts, themes=THEMES,
        limits=presets.TEXT_LIMITS, max_shapes=presets.MAX_SHAPES, template=template,
        template_names=[t.name for t, _v in templates.list_templates()], **data), 400 if result.error else 200


@blp.route("/og/preview.png")
def og_preview():
    """The designer's preview: drawn here, not counted in the OG ledger."""
    result = og_designer.design(request.args, _template(request.args.get("template", "")))
    if result.error is not None:
        return {"message": f"{result.error.field}: {result.error.message}"}, 400
    body, content_type = render(result.params, result.brand)  # params are PNG: the form has no format
    return current_app.response_class(body, content_type=content_type)


@blp.route("/og/templates", methods=["POST"])
def og_save_template():
    """Save the designer's settings as a template: new, or the next version of an existing one (admins)."""
    admin_only()
    form = request.form
    name = form.get("name", "").strip()
    spec = og_designer.template_spec(form, request.files)
    try:
        if _template(name) is None:
            template, row = templates.create_template(name, spec)
        else:
            template, row = templates.update_template(name, spec)
    except (ParamError, templates.TemplateExists) as error:
        message = f"{error.field}: {error.message}" if isinstance(error, ParamError) else str(error)
        flash(f"Not saved — {message}", "error")
        return redirect(url_for("dashboard.og_page", **{k: v for k, v in form.items() if k != "csrf_token"}))
    flash(f"Saved {template.name} version {row.version}.", "success")
    return redirect(url_for("dashboard.og_page", template=template.name, seed=form.get("seed", "imprint")))
