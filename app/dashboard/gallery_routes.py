"""Gallery pages: the grid with filters and infinite scroll, an image's page, thumbnails, tags, generate again."""

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from app.ai import records
from app.ai.errors import GenerationFailed, RequestError
from app.ai.service import regenerate_image
from app.curation.service import favorite_ids
from app.history.search import find_image_log
from app.provenance.service import image_provenance
from app.security.client import request_caller
from app.storage.images import image_url_for
from app.storage.thumbnails import SIZES, NoImage, get_thumbnail

from . import gallery
from .blueprint import blp
from .release_routes import rating_panel


def _gallery_data():
    filters = gallery.parse_filters(request.args, g.principal)
    try:
        cursor = gallery.parse_cursor(request.args.get("cursor", ""))
    except ValueError:
        filters.errors["cursor"] = ["malformed cursor; start from the first page"]
        cursor = None
    images, next_cursor = [], None
    if not filters.errors:
        images, next_cursor = gallery.gallery_page(g.principal, filters.criteria, cursor,
                                                   current_app.config["DASHBOARD_PAGE_SIZE"])
    next_url = url_for("dashboard.gallery_more", **filters.form, cursor=next_cursor) if next_cursor else None
    return filters, images, next_url, next_cursor


@blp.route("/gallery")
def gallery_page():
    """The grid of generated images, newest first, with filters; the next page loads as you scroll."""
    filters, images, next_url, next_cursor = _gallery_data()
    more_url = url_for("dashboard.gallery_page", **filters.form, cursor=next_cursor) if next_cursor else None
    return render_template("dashboard/gallery.html", filters=filters, images=images, next_url=next_url,
                           more_url=more_url, choices=gallery.filter_choices(g.principal),
                           collections=gallery.collection_choices(g.principal),
                           statuses=("success", "failed")), 400 if filters.errors else 200


@blp.route("/gallery/more")
def gallery_more():
    """The next page of the grid as an HTML fragment (fetched by dashboard.js)."""
    filters, images, next_url, _ = _gallery_data()
    if filters.errors:
        abort(400, "; ".join(f"{name}: {', '.join(map(str, msgs))}" for name, msgs in filters.errors.items()))
    return render_template("dashboard/_cards.html", images=images, next_url=next_url)


def _visible_or_404(image_id):
    record = gallery.visible_image(g.principal, image_id)
    if record is None:
        # 404, not 403: whether someone else's image exists is not the caller's business.
        abort(404, "No such image, or it is not yours.")
    return record


@blp.route("/images/<uuid:image_id>")
def image_page(image_id):
    """One image: preview, prompt, full prompt, settings, cost, timings, tags, generate again."""
    record = _visible_or_404(image_id)
    job_id = (record.meta or {}).get("job_id")
    return render_template("dashboard/image.html", image=record, log=find_image_log(record.id, job_id),
                           original_url=image_url_for(record),
                           credentials=image_provenance(record, g.principal), max_tags=gallery.MAX_TAGS,
                           rating=rating_panel(g.principal, record),
                           collections=gallery.collection_choices(g.principal),
                           is_favorite=str(record.id) in favorite_ids(g.principal, [record.id]))


@blp.route("/thumbnails/<uuid:image_id>/<size>.webp")
def thumbnail(image_id, size):
    """A cached WebP thumbnail of an image the caller may see."""
    if size not in SIZES:
        abort(404, "Unknown thumbnail size.")
    record = _visible_or_404(image_id)
    try:
        path = get_thumbnail(current_app._get_current_object(), record, size)
    except NoImage:
        abort(404, "This image has no stored bytes.")
    response = send_file(path, mimetype="image/webp", max_age=86400, conditional=True)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@blp.route("/images/<uuid:image_id>/tags", methods=["POST"])
def update_tags(image_id):
    """Replace an image's tags (comma-separated)."""
    record = _visible_or_404(image_id)
    try:
        tags = gallery.parse_tags(request.form.get("tags", ""))
    except ValueError as error:
        flash(f"Tags not saved: {error}.", "error")
    else:
        records.set_image_tags(record, tags)
        flash("Tags saved." if tags else "Tags cleared.")
    return redirect(url_for("dashboard.image_page", image_id=image_id))


@blp.route("/images/<uuid:image_id>/regenerate", methods=["POST"])
def regenerate(image_id):
    """Generate again with the image's saved settings (a new seed); opens the new image."""
    _visible_or_404(image_id)
    try:
        outcome = regenerate_image(request_caller(g.principal), image_id, {})
    except RequestError as error:
        flash(f"Not generated: {error.message}", "error")
        return redirect(url_for("dashboard.image_page", image_id=image_id))
    except GenerationFailed as error:
        flash(f"The generation failed: {error.body.get('message') or error.status}", "error")
        return redirect(url_for("dashboard.image_page", image_id=error.body.get("id") or image_id))
    flash("Generated again with the same settings.")
    return redirect(url_for("dashboard.image_page", image_id=outcome.records[0].id))

