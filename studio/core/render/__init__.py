"""Offscreen 3D rendering with Open3D (Filament), in a dedicated child process.

One renderer lives in the child and is created and used on that process's main thread; a crash
there raises :class:`~studio.core.errors.RenderUnavailable` here and never takes the caller down
or touches the vault. Geometry goes to the child from memory (decrypted from the vault, never
written to disk); images come back as RGB arrays.
"""
