"""Curating from the dashboard: delete, favourite and collect one image; act on a selection in the
gallery (tag, collect, delete, download as a ZIP); collections and their share links.

Every action calls the same service as the API (``app.curation.service``), with the same rules."""

import uuid

from flask import (
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)

from app.curation import service
from app.curation.archive import entry_name, stream_zip
from app.curation.schemas import MAX_IDS
from app.storage import get_storage

from . import gallery
from .blueprint import blp


def _ids(values):
    try:
        ids = [uuid.UUID(value) for value in values[: MAX_IDS + 1]]
    except ValueError:
        abort(400, "An image id is not valid.")
    if not ids:
        abort(400, "Select at least one image.")
    if len(ids) > MAX_IDS:
        abort(400, f"Select at most {MAX_IDS} images at a time.")
    return ids


def _back(default):
    target = request.form.get("next", "")
    return redirect(target if target.startswith("/dashboard/") else default)


def _guarded(call, *args):
    try:
        return call(*args)
    except service.NotFound:
        abort(404)
    except service.Conflict as error:
        flash(str(error), "error")
        return None


@blp.route("/images/<uuid:image_id>/delete", methods=["POST"])
def delete_image(image_id):
    _guarded(service.delete_images, g.principal, [image_id])
    flash("Image deleted. Its generation log stays in the ledger.")
    return redirect(url_for("dashboard.gallery_page"))


@blp.route("/images/<uuid:image_id>/favorite", methods=["POST"])
def favorite_image(image_id):
    on = request.form.get("on") == "1"
    _guarded(service.set_favorite, g.principal, [image_id], on)
    flash("Added to your favourites." if on else "Removed from your favourites.")
    return redirect(url_for("dashboard.image_page", image_id=image_id))


@blp.route("/images/<uuid:image_id>/collect", methods=["POST"])
def collect_image(image_id):
    collection = request.form.get("collection_id", "")
    if _guarded(service.collect, g.principal, collection, [image_id]) is not None:
        flash("Added to the collection.")
    return redirect(url_for("dashboard.image_page", image_id=image_id))


@blp.route("/gallery/selection", methods=["POST"])
def gallery_selection():
    """The gallery's bulk bar: one action on the selected images."""
    ids, action = _ids(request.form.getlist("ids")), request.form.get("action", "")
    gallery_url = url_for("dashboard.gallery_page")
    if action == "download":
        records = _guarded(lambda: [service.owned_image(g.principal, image_id) for image_id in ids])
        storage = get_storage()
        entries = [(entry_name(r), lambda r=r: storage.get("generated-images", r.storage_key))
                   for r in records if r.storage_key]
        return Response(stream_with_context(stream_zip(entries)), mimetype="application/zip",
                        headers={"Content-Disposition": 'attachment; filename="imprint-images.zip"'})
    if action == "delete":
        done = _guarded(service.delete_images, g.principal, ids)
        flash(f"Deleted {len(done)} images." if done is not None else "Nothing was deleted.")
    elif action == "tag":
        try:
            tags = gallery.parse_tags(request.form.get("tags", ""))
        except ValueError as error:
            flash(f"Tags: {error}", "error")
            return _back(gallery_url)
        if not tags:
            flash("Tags: type at least one tag.", "error")
            return _back(gallery_url)
        changed = _guarded(service.add_tags, g.principal, ids, tags)
        if changed is not None:
            flash(f"Tagged {changed} images.")
    elif action == "collect":
        changed = _guarded(service.collect, g.principal, request.form.get("collection_id", ""), ids)
        if changed is not None:
            flash(f"Added {changed} images to the collection.")
    elif action == "favorite":
        _guarded(service.set_favorite, g.principal, ids, True)
        flash(f"Added {len(ids)} images to your favourites.")
    else:
        abort(400, "Unknown action.")
    return _back(gallery_url)


@blp.route("/collections", methods=["GET", "POST"])
def collections_page():
    if request.method == "POST":
        name = request.form.get("name", "").strip()[:100]
        if not name:
            flash("Name: give the collection a name.", "error")
        elif (made := _guarded(service.create_collection, g.principal, name)) is not None:
            return redirect(url_for("dashboard.collection_page", collection_id=made.id))
    favorites, total = service.list_favorites(g.principal, 12, 0)
    return render_template("dashboard/collections.html", collections=service.list_collections(g.principal),
                           favorites=favorites, favorite_total=total)


@blp.route("/collections/<uuid:collection_id>", methods=["GET", "POST"])
def collection_page(collection_id):
    if request.method == "POST":
        action = request.form.get("action")
        if action == "delete":
            _guarded(service.delete_collection, g.principal, collection_id)
            flash("Collection deleted; its images stay in the gallery.")
            return redirect(url_for("dashboard.collections_page"))
        if action in ("share", "unshare"):
            _guarded(service.share, g.principal, collection_id, action == "share")
            flash("Anyone with the link can now look at this collection." if action == "share"
                  else "The link no longer works.")
        if action == "remove":
            _guarded(service.collect, g.principal, collection_id, _ids(request.form.getlist("ids")), True)
            flash("Removed from the collection.")
        return redirect(url_for("dashboard.collection_page", collection_id=collection_id))
    view = _guarded(service.get_collection, g.principal, collection_id)
    images = service.images_of(g.principal, collection_id, 200, 0)
    return render_template("dashboard/collection.html", collection=view, images=images,
                           share_url=(request.host_url.rstrip("/") + view["share_path"]) if view["share_path"] else None)

