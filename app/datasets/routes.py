"""Datasets: create, list, show, delete, and upload reference images.

A dataset belongs to the key's user (admins see all); anonymous callers have none.
"""

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from app.auth import auth_required, current_principal

from . import service as datasets
from .schemas import (
    DatasetCreateSchema,
    DatasetImageSchema,
    DatasetListQuerySchema,
    DatasetSchema,
    ImportSchema,
    UploadSchema,
)

blp = Blueprint("datasets", __name__, url_prefix="/ai", description="Reference-image datasets that generations draw on")


def _dataset_or_404(dataset_id):
    dataset = datasets.find_dataset(current_principal(), dataset_id)
    if dataset is None:
        abort(404, message="dataset not found")
    return dataset


@blp.route("/datasets")
class Datasets(MethodView):
    @auth_required
    @blp.arguments(DatasetListQuerySchema, location="query")
    @blp.response(200, DatasetSchema(many=True))
    def get(self, query):
        """Your datasets, newest first (admins: all)."""
        return datasets.list_datasets(current_principal(), **query)

    @auth_required
    @blp.arguments(DatasetCreateSchema)
    @blp.response(201, DatasetSchema)
    def post(self, fields):
        """Create a dataset: brand name, vibe, description, unique visual elements."""
        return datasets.create_dataset(current_principal(), fields)


@blp.route("/datasets/<uuid:dataset_id>")
class DatasetItem(MethodView):
    @auth_required
    @blp.response(200, DatasetSchema)
    def get(self, dataset_id):
        """One dataset with its reference images."""
        return _dataset_or_404(dataset_id)

    @auth_required
    @blp.response(204)
    def delete(self, dataset_id):
        """Delete a dataset; images generated from it keep their record (dataset_id becomes null)."""
        datasets.delete_dataset(_dataset_or_404(dataset_id))


@blp.route("/datasets/<uuid:dataset_id>/images")
class DatasetImages(MethodView):
    @auth_required
    @blp.arguments(UploadSchema, location="files")
    @blp.response(201, DatasetImageSchema)
    def post(self, files, dataset_id):
        """Upload a reference image (multipart field ``file``), checked by Pillow."""
        dataset = _dataset_or_404(dataset_id)
        data = files["file"].stream.read(current_app.config["MAX_UPLOAD_BYTES"] + 1)
        return datasets.add_dataset_image(dataset, data)


@blp.route("/datasets/<uuid:dataset_id>/images/import")
class DatasetImageImport(MethodView):
    @auth_required
    @blp.arguments(ImportSchema)
    @blp.response(201, DatasetImageSchema)
    def post(self, body, dataset_id):
        """Import a reference image from a public http(s) URL (never our own network: SSRF guard)."""
        return datasets.import_dataset_image(_dataset_or_404(dataset_id), body["url"])


@blp.route("/datasets/<uuid:dataset_id>/images/<uuid:image_id>")
class DatasetImageItem(MethodView):
    @auth_required
    @blp.response(204)
    def delete(self, dataset_id, image_id):
        """Remove a reference image from a dataset."""
        if not datasets.delete_dataset_image(_dataset_or_404(dataset_id), image_id):
            abort(404, message="image not found in this dataset")
