"""Curation of generated images: delete, tag, favourite, collections shared by link, bulk actions, ZIPs."""
