"""Hard limits that keep a lying or absurd file from costing unbounded time or memory.

Counts in a header are checked against these and against the file's size *before* anything is
allocated, so a "10 billion vertices" claim is refused in milliseconds.
"""

MAX_FILE_BYTES = 16 * 2**30
MAX_ELEMENTS = 200_000_000        # vertices, faces or points
MAX_AUDIO_SECONDS = 6 * 3600
LOD_ABOVE_FACES = 200_000         # meshes with more faces get a preview LOD
LOD_TARGET_FACES = 100_000
WAVEFORM_BUCKETS = 2000
