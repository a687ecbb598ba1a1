"""Curation over HTTP: delete and tag one image, favourites, collections shared by link, bulk actions
and ZIP downloads. Owners curate their images, admins anyone's; others get 404."""

from flask import Response, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from app.auth import auth_required, current_principal
from app.storage import get_storage
from app.storage.routes import serve_stored
from app.storage.schemas import VariantQuerySchema

from . import service
from .archive import entry_name, stream_zip
from .schemas import (
    ArchiveSchema,
    BulkResultSchema,
    BulkSchema,
    CollectionListSchema,
    CollectionNameSchema,
    CollectionSchema,
    CuratedImagePageSchema,
    PageSchema,
    SharedCollectionSchema,
    ShareSchema,
    TagsSchema,
)

blp = Blueprint("curation", __name__, description="Curating generated images: delete, tags, favourites, "
                "collections, bulk actions, ZIP downloads")
NOT_FOUND = {"description": "No such image or collection, or not yours"}
ZIP = {"description": "A ZIP of the images, streamed",
       "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}


def _run(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except service.NotFound as error:
        abort(404, message=str(error))
    except service.Conflict as error:
        abort(409, message=str(error))


@blp.route("/ai/generated-images/<uuid:image_id>")
class ImageCuration(MethodView):
    @auth_required
    @blp.response(204)
    @blp.alt_response(404, **NOT_FOUND)
    def delete(self, image_id):
        """Delete an image (yours, or anyone's for an admin); its file goes when no other row uses it.
        Its generation log stays: the ledger keeps what was spent."""
        _run(service.delete_images, current_principal(), [image_id])

    @auth_required
    @blp.arguments(TagsSchema)
    @blp.response(200, TagsSchema)
    @blp.alt_response(404, **NOT_FOUND)
    def patch(self, body, image_id):
        """Replace an image's tags."""
        record = _run(service.set_tags, current_principal(), image_id, body["tags"])
        return {"tags": record.tags or []}


@blp.route("/ai/generated-images/<uuid:image_id>/favorite")
class Favorite(MethodView):
    @auth_required
    @blp.response(204)
    @blp.alt_response(404, **NOT_FOUND)
    def put(self, image_id):
        """Favourite an image."""
        _run(service.set_favorite, current_principal(), [image_id], True)

    @auth_required
    @blp.response(204)
    @blp.alt_response(404, **NOT_FOUND)
    def delete(self, image_id):
        """Unfavourite an image."""
        _run(service.set_favorite, current_principal(), [image_id], False)


@blp.route("/favorites/images")
class Favorites(MethodView):
    @auth_required
    @blp.arguments(PageSchema, location="query")
    @blp.response(200, CuratedImagePageSchema)
    def get(self, page):
        """Your favourite images, newest favourite first."""
        items, total = service.list_favorites(current_principal(), page["limit"], page["offset"])
        return {"items": items, "total": total}


BULK = {
    "delete": lambda p, b: len(service.delete_images(p, b["ids"])),
    "tag": lambda p, b: service.add_tags(p, b["ids"], b["tags"]),
    "untag": lambda p, b: service.add_tags(p, b["ids"], b["tags"], remove=True),
    "favorite": lambda p, b: service.set_favorite(p, b["ids"], True) or len(b["ids"]),
    "unfavorite": lambda p, b: service.set_favorite(p, b["ids"], False) or len(b["ids"]),
    "collect": lambda p, b: service.collect(p, b["collection_id"], b["ids"]),
    "uncollect": lambda p, b: service.collect(p, b["collection_id"], b["ids"], remove=True),
}


@blp.route("/ai/generated-images/bulk")
class Bulk(MethodView):
    @auth_required
    @blp.arguments(BulkSchema)
    @blp.response(200, BulkResultSchema)
    @blp.alt_response(404, description="One of the images (or the collection) is not yours: nothing changed")
    def post(self, body):
        """One action on up to 100 images: all of them, or none when one is not yours."""
        principal = current_principal()
        _run(lambda: [service.owned_image(principal, image_id) for image_id in body["ids"]])
        return {"action": body["action"], "count": _run(BULK[body["action"]], principal, body)}


def _zip_response(records, filename):
    storage = get_storage()
    entries = [(entry_name(r), lambda r=r: storage.get("generated-images", r.storage_key))
               for r in records if r.storage_key]
    return Response(stream_with_context(stream_zip(entries)), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "private, no-store"})


@blp.route("/ai/generated-images/archive")
class Archive(MethodView):
    @auth_required
    @blp.arguments(ArchiveSchema)
    @blp.doc(responses={"200": ZIP})
    @blp.alt_response(404, **NOT_FOUND)
    def post(self, body):
        """A ZIP of up to 100 of your images, streamed."""
        principal = current_principal()
        records = _run(lambda: [service.owned_image(principal, image_id) for image_id in body["ids"]])
        return _zip_response(records, "imprint-images.zip")


@blp.route("/collections")
class Collections(MethodView):
    @auth_required
    @blp.response(200, CollectionListSchema)
    def get(self):
        """Your collections, newest first."""
        return {"items": service.list_collections(current_principal())}

    @auth_required
    @blp.arguments(CollectionNameSchema)
    @blp.response(201, CollectionSchema)
    @blp.alt_response(409, description="You have as many collections as a user may")
    def post(self, body):
        """Create a collection."""
        return service.get_collection(current_principal(),
                                      _run(service.create_collection, current_principal(), body["name"]).id)


@blp.route("/collections/<uuid:collection_id>")
class CollectionView(MethodView):
    @auth_required
    @blp.response(200, CollectionSchema)
    @blp.alt_response(404, **NOT_FOUND)
    def get(self, collection_id):
        """One collection."""
        return _run(service.get_collection, current_principal(), collection_id)

    @auth_required
    @blp.arguments(CollectionNameSchema)
    @blp.response(200, CollectionSchema)
    @blp.alt_response(404, **NOT_FOUND)
    def patch(self, body, collection_id):
        """Rename a collection."""
        return _run(service.rename_collection, current_principal(), collection_id, body["name"])

    @auth_required
    @blp.response(204)
    @blp.alt_response(404, **NOT_FOUND)
    def delete(self, collection_id):
        """Delete a collection (its images stay)."""
        _run(service.delete_collection, current_principal(), collection_id)


@blp.route("/collections/<uuid:collection_id>/images")
class CollectionImages(MethodView):
    @auth_required
    @blp.arguments(PageSchema, location="query")
    @blp.response(200, CuratedImagePageSchema)
    @blp.alt_response(404, **NOT_FOUND)
    def get(self, page, collection_id):
        """The collection's images, newest addition first."""
        items = _run(service.images_of, current_principal(), collection_id, page["limit"], page["offset"])
        return {"items": items, "total": None}


@blp.route("/collections/<uuid:collection_id>/archive")
class CollectionArchive(MethodView):
    @auth_required
    @blp.doc(responses={"200": ZIP})
    @blp.alt_response(404, **NOT_FOUND)
    def get(self, collection_id):
        """The collection as a ZIP, streamed (its first 1,000 images)."""
        records = _run(service.images_of, current_principal(), collection_id, 1000, 0)
        return _zip_response(records, "collection.zip")


@blp.route("/collections/<uuid:collection_id>/share")
class Share(MethodView):
    @auth_required
    @blp.arguments(ShareSchema)
    @blp.response(200, CollectionSchema)
    @blp.alt_response(404, **NOT_FOUND)
    def post(self, body, collection_id):
        """Share a collection read-only by link (a fresh link each time), or stop sharing it."""
        return _run(service.share, current_principal(), collection_id, body["shared"])


@blp.route("/shared/collections/<token>")
class SharedCollection(MethodView):
    @blp.arguments(PageSchema, location="query")
    @blp.response(200, SharedCollectionSchema)
    @blp.alt_response(404, description="No collection is shared at this link (any more)")
    def get(self, page, token):
        """A shared collection, read-only, for anyone with the link."""
        collection = _run(service.shared_collection, token[:64])
        images = service.collection_images(collection, page["limit"], page["offset"])
        return {"name": collection.name, "images": [
            {"id": r.id, "prompt": r.prompt, "width": r.width, "height": r.height, "created_at": r.created_at,
             "image_path": f"/shared/collections/{token}/images/{r.id}/image"} for r in images if r.storage_key]}


@blp.route("/shared/collections/<token>/images/<uuid:image_id>/image")
class SharedImage(MethodView):
    @blp.arguments(VariantQuerySchema, location="query", error_status_code=400)
    @blp.response(200, content_type="image/*", description="The image, or a variant of it")
    @blp.alt_response(404, description="Not in a collection shared at this link")
    def get(self, args, token, image_id):
        """An image of a shared collection (private caching: the link can be revoked)."""
        collection = _run(service.shared_collection, token[:64])
        record = _run(service.shared_image, collection, image_id)
        return serve_stored("generated-images", record.storage_key, args, record.mime_type or "image/png",
                            "private, max-age=300")
