"""Dataset pages: create a dataset, upload or import its reference images, remove them, see what used it.

The checks are the API's (``app.datasets.service``): the same schema, upload limits, SSRF guard
and ownership (a user sees only their own datasets; admins see all).
"""

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from marshmallow import ValidationError

from app.datasets import service as datasets
from app.datasets.schemas import DatasetCreateSchema, ImportSchema
from app.errors import RequestError
from app.storage import get_storage

from . import gallery
from .blueprint import blp
from .forms import field_errors

DATASET_FIELDS = ("name", "brand_name", "vibe", "description", "unique_visual_elements")
GENERATIONS_SHOWN = 24


def _limits():
    config = current_app.config
    return {"bytes": config["MAX_UPLOAD_BYTES"], "pixels": config["MAX_UPLOAD_PIXELS"],
            "images": config["MAX_DATASET_IMAGES"], "references": config["MAX_REFERENCE_IMAGES"],
            "request": config["MAX_CONTENT_LENGTH"]}


def _dataset_or_404(dataset_id):
    dataset = datasets.find_dataset(g.principal, dataset_id)
    if dataset is None:
        abort(404, "No such dataset, or it is not yours.")
    return dataset


@blp.route("/datasets", methods=["GET", "POST"])
def datasets_page():
    """The caller's datasets, and a form to create one."""
    form = {name: (request.form.get(name) or "").strip() for name in DATASET_FIELDS}
    errors = {}
    if request.method == "POST":
        fields = {name: value for name, value in form.items() if value}
        if "unique_visual_elements" in fields:
            fields["unique_visual_elements"] = [item.strip() for item in fields["unique_visual_elements"].split(",")
                                                if item.strip()]
        try:
            dataset = datasets.create_dataset(g.principal, DatasetCreateSchema().load(fields))
        except ValidationError as error:
            errors = field_errors(error.messages)
        else:
            flash(f"Created the dataset {dataset.name}. Add its reference images below.")
            return redirect(url_for("dashboard.dataset_page", dataset_id=dataset.id))
    rows = datasets.list_datasets(g.principal, limit=200)
    return render_template("dashboard/datasets.html", rows=rows, form=form, errors=errors), 400 if errors else 200


def _dataset_view(dataset, errors=None, url="", status=200):
    used, _ = gallery.gallery_page(g.principal, {"dataset": dataset.id}, limit=GENERATIONS_SHOWN)
    return render_template("dashboard/dataset.html", dataset=dataset, used=used, limits=_limits(),
                           errors=errors or {}, url=url), status


@blp.route("/datasets/<uuid:dataset_id>")
def dataset_page(dataset_id):
    """One dataset: its identity, reference images, upload and import, and the generations that used it."""
    return _dataset_view(_dataset_or_404(dataset_id))


@blp.route("/datasets/<uuid:dataset_id>/images", methods=["POST"])
def upload_dataset_images(dataset_id):
    """Upload one or more reference images (a file field, or files dropped on the page)."""
    dataset = _dataset_or_404(dataset_id)
    files = [item for item in request.files.getlist("file") if item.filename]
    if not files:
        return _dataset_view(dataset, {"file": "choose an image file (or drop one on the box)"}, status=400)
    added, problems = 0, []
    for item in files:
        try:
            datasets.add_dataset_image(dataset, item.stream.read(current_app.config["MAX_UPLOAD_BYTES"] + 1))
            added += 1
        except RequestError as error:
            problems.append(f"{item.filename}: {error.message}")
    if added:
        flash(f"Added {added} reference image{'s' if added != 1 else ''}.")
    if problems:
        return _dataset_view(datasets.find_dataset(g.principal, dataset_id), {"file": "; ".join(problems)}, status=422)
    return redirect(url_for("dashboard.dataset_page", dataset_id=dataset_id))


@blp.route("/datasets/<uuid:dataset_id>/import", methods=["POST"])
def import_dataset_image(dataset_id):
    """Import a reference image from a public http(s) URL, through the SSRF guard."""
    dataset = _dataset_or_404(dataset_id)
    url = (request.form.get("url") or "").strip()
    try:
        checked = ImportSchema().load({"url": url})
        datasets.import_dataset_image(dataset, checked["url"])
    except ValidationError as error:
        return _dataset_view(dataset, {"url": field_errors(error.messages).get("url", "not a valid URL")}, url, 400)
    except RequestError as error:
        return _dataset_view(dataset, {"url": error.message}, url, 422)
    flash("Imported the image.")
    return redirect(url_for("dashboard.dataset_page", dataset_id=dataset_id))


@blp.route("/datasets/<uuid:dataset_id>/images/<uuid:image_id>/remove", methods=["POST"])
def remove_dataset_image(dataset_id, image_id):
    """Remove a reference image from the dataset."""
    if not datasets.delete_dataset_image(_dataset_or_404(dataset_id), image_id):
        abort(404, "No such image in this dataset.")
    flash("Removed the image.")
    return redirect(url_for("dashboard.dataset_page", dataset_id=dataset_id))


@blp.route("/datasets/<uuid:dataset_id>/images/<uuid:image_id>")
def dataset_image(dataset_id, image_id):
    """A reference image's bytes, for the caller's own dataset only (served here: no outside URL)."""
    dataset = _dataset_or_404(dataset_id)
    image = next((item for item in dataset.images if item.id == image_id), None)
    if image is None:
        abort(404, "No such image in this dataset.")
    try:
        data = get_storage().get(image.bucket, image.storage_key)
    except Exception:
        abort(404, "This image's bytes are not in storage.")
    response = Response(data, mimetype=image.mime_type or "application/octet-stream")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
