"""No word from how Imprint was specified or built ("seed 001", "issue #7") reaches a user:
not in `flask … --help`, the dashboard's templates and scripts, messages in the code, or the docs."""

import ast
import re
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).resolve().parents[2]
INTERNAL = re.compile(r"\bseeds? 0\d+|\bseeds? \d{3}\b|\bissues? #|\bissues? \d|\bphase \d|shared/[A-Z]+\.md",
                      re.IGNORECASE)


def internal_words(text):
    return sorted({match.group(0) for match in INTERNAL.finditer(text)})


def test_the_pattern_catches_the_words_it_is_for():
    assert internal_words("Seed 001's alerts") == ["Seed 001"]
    assert internal_words("see issue #7, seeds 002 and 004, phase 2") == ["issue #", "phase 2", "seeds 002"]
    assert internal_words("the same seed gives the same card; ?seed=hello; 404 issues") == []


def command_paths(group, context, path=()):
    """Every command under ``group``, as the argument lists that reach it."""
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if command is None or command.hidden:
            continue
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from command_paths(command, click.Context(command, parent=context), (*path, name))


def test_no_command_help_says_an_internal_word(app):
    runner = app.test_cli_runner()
    paths = [(), *command_paths(app.cli, click.Context(app.cli))]
    assert ("alerts", "check") in paths and ("keys", "create") in paths
    found = {}
    for path in paths:
        result = runner.invoke(args=[*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        if words := internal_words(result.output):
            found[" ".join(("flask", *path))] = words
    assert found == {}


def user_facing_files():
    app_dir = ROOT / "app"
    files = [*app_dir.glob("**/templates/**/*.html"), *app_dir.glob("**/static/**/*.js"),
             *app_dir.glob("**/static/**/*.css"), ROOT / "README.md", ROOT / "CHANGELOG.md",
             ROOT / "mkdocs.yml", *ROOT.glob("docs/**/*.md"), *(ROOT / "docs" / "deploy").iterdir(),
             ROOT / "bench" / "README.md"]
    return [path for path in files if path.is_file()]


@pytest.mark.parametrize("path", user_facing_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_page_template_or_doc_says_an_internal_word(path):
    assert internal_words(path.read_text(encoding="utf-8")) == []


def message_literals(tree):
    """String literals that can reach a user (messages, help), leaving out docstrings."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_no_message_in_the_code_says_an_internal_word():
    found = []
    for path in sorted((ROOT / "app").glob("**/*.py")):
        for line, text in message_literals(ast.parse(path.read_text(encoding="utf-8"))):
            if words := internal_words(text):
                found.append(f"{path.relative_to(ROOT)}:{line}: {words}")
    assert found == []


TABLE_NAMES = re.compile(r"\b(generated_images|generation_logs|og_generations|prompt_usage|api_keys)\b")


@pytest.mark.parametrize("path", sorted((ROOT / "app" / "dashboard" / "templates").glob("**/*.html")),
                         ids=lambda path: path.name)
def test_dashboard_pages_say_what_they_show_not_which_table(path):
    shown = re.sub(r"{[{%].*?[%}]}", " ", path.read_text(encoding="utf-8"), flags=re.DOTALL)  # text, not code
    assert TABLE_NAMES.findall(shown) == []


def test_tools_are_named_as_people_name_them(app, admin_key):
    from app.ai.catalog import TOOLS, tool_label

    assert tool_label("generateUserImage") == "Image" and tool_label("imageEditor") == "Edit"
    assert tool_label("openaiImagesGenerations") == "Image (OpenAI API)"
    assert all(not re.search(r"[a-z][A-Z]", tool_label(tool.tool_name)) for tool in TOOLS.values())
    from tests.dashboard.support import signed_in_client

    client = signed_in_client(app, admin_key[1])
    empty = client.get("/dashboard/gallery").text
    assert "Make a first image" in empty  # an empty gallery leads to the first step
    made = client.post("/ai/generate", json={"prompt": "a lighthouse"}, headers={"Authorization": f"Bearer {admin_key[1]}"})
    assert made.status_code == 201
    gallery = client.get("/dashboard/gallery").text
    assert ">Image<" in gallery or "Image ·" in gallery or "Image</p>" in gallery
    assert "generateUserImage</" not in gallery  # the stored name stays in values and URLs, not in text
