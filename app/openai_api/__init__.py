"""An OpenAI-compatible Images API on /v1: the OpenAI SDKs talk to Imprint by changing base_url.

routes (the URL map), schemas (OpenAI's request and response shapes),
service (translation to and from ``app.ai.pipeline.generate_images``),
editing (uploads and the offline edit), routing (model name → provider),
errors (OpenAI's error shape and status codes).
"""
