"""How much memory drawing a scan takes, and whether this machine has it free (DR023).

The figures are per vertex and per triangle of what the parent and the render child hold at the
peak of a load: the decoded arrays in the parent, the child's float32 copy with its normals, and
Filament's vertex and index buffers (twice on a software rasteriser: staging and "device"
memory are both main memory). Measured on Open3D 0.20 with llvmpipe (see DR023).
"""

from __future__ import annotations

import os
from pathlib import Path

BYTES_PER_VERTEX = 120      # parent 12 + child 12 + normals 12 + Filament (position, tangent, colour) ×2
BYTES_PER_TRIANGLE = 48     # parent 12 + child 12 + Filament indices ×2
BYTES_PER_POINT = 80
BYTES_PER_TEXEL = 10        # decoded image, Open3D's copy, Filament's texture (+ mip levels)
SHARE_OF_FREE = 0.6         # what a render may take of the memory free when it starts
ENV_BUDGET = "STUDIO_RENDER_MEMORY_MB"  # an explicit budget (a smaller machine, a test)


def available_bytes() -> int:
    """Memory free for a new process now: ``MemAvailable`` (Linux), else psutil, else 4 GiB."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:
        return 4 << 30


def budget_bytes() -> int:
    """What one render may use: ``STUDIO_RENDER_MEMORY_MB`` when set, else a share of the free memory."""
    explicit = os.environ.get(ENV_BUDGET, "").strip()
    if explicit:
        try:
            return int(float(explicit) * 2**20)
        except ValueError:
            pass
    return int(available_bytes() * SHARE_OF_FREE)


def mesh_bytes(vertices: int, triangles: int, texels: int = 0) -> int:
    return vertices * BYTES_PER_VERTEX + triangles * BYTES_PER_TRIANGLE + texels * BYTES_PER_TEXEL


def points_that_fit(budget: int) -> int:
    return max(1, budget // BYTES_PER_POINT)
