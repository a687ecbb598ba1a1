"""Draw an untrusted SVG in a child process with a CPU-time and address-space limit.

resvg has no budget of its own: a small file of nested masks or dashes can
take minutes of CPU or gigabytes. The child sets ``RLIMIT_CPU`` and
``RLIMIT_AS`` on itself before it loads resvg, reads the SVG on stdin and
writes the PNG on stdout; the parent also gives it a wall-clock deadline. The
child is started by file path in isolated mode (``-I``): it imports nothing of
Imprint, so it starts in the time it takes to load resvg. Run as a script, this
file is that child.
"""

import json
import subprocess
import sys
from dataclasses import dataclass

MEMORY_BYTES = 512 * 1024 * 1024  # address space: the interpreter, resvg and one canvas, with room
CPU_SECONDS = 4
WALL_SECONDS = 10  # a loaded machine: the CPU limit is the real budget


class DrawingRefused(Exception):
    """The SVG could not be drawn within the limits (or at all); the message says which."""


@dataclass(frozen=True)
class Budget:
    memory_bytes: int = MEMORY_BYTES
    cpu_seconds: int = CPU_SECONDS
    wall_seconds: float = WALL_SECONDS


def draw_png(svg: str, width: int | None = None, height: int | None = None, budget: Budget = Budget()) -> bytes:
    """The PNG resvg draws from ``svg`` at the given size, drawn under ``budget``; DrawingRefused otherwise."""
    options = {"width": width, "height": height, "memory": budget.memory_bytes, "cpu": budget.cpu_seconds}
    try:
        done = subprocess.run([sys.executable, "-I", __file__, json.dumps(options)], input=svg.encode("utf-8"),
                              capture_output=True, timeout=budget.wall_seconds, check=False)
    except subprocess.TimeoutExpired as error:
        raise DrawingRefused(f"drawing took longer than {budget.wall_seconds:g} s") from error
    if done.returncode == 0 and done.stdout.startswith(b"\x89PNG"):
        return done.stdout
    if done.returncode in (-9, -24, 152, 137):  # SIGKILL / SIGXCPU: the CPU limit
        raise DrawingRefused(f"drawing needs more than {budget.cpu_seconds} s of CPU")
    reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
    if done.returncode < 0 or "memory" in reason[0].lower() or "alloc" in reason[0].lower():
        raise DrawingRefused(f"drawing needs more than {budget.memory_bytes // (1024 * 1024)} MiB of memory")
    raise DrawingRefused(reason[0][:200])


def _child(options: dict) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (options["memory"], options["memory"]))
    resource.setrlimit(resource.RLIMIT_CPU, (options["cpu"], options["cpu"]))
    import resvg_py

    svg = sys.stdin.buffer.read().decode("utf-8")
    size = {key: options[key] for key in ("width", "height") if options[key]}
    png = resvg_py.svg_to_bytes(svg_string=svg, skip_system_fonts=True, **size)
    sys.stdout.buffer.write(bytes(png))


if __name__ == "__main__":
    try:
        _child(json.loads(sys.argv[1]))
    except MemoryError:
        sys.stderr.write("out of memory\n")
        sys.exit(3)
    except Exception as error:  # noqa: BLE001 - the parent reports the reason as the refusal
        sys.stderr.write(f"{type(error).__name__}: {error}\n")
        sys.exit(2)
