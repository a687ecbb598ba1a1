"""Prompt comparisons: the same variables and seeds through two or more versions of a template
(or one version through other providers or models), run through the generation pipeline and
kept as one comparison with its grid of images. Above ``ai`` (it generates) and ``prompts``.
"""
