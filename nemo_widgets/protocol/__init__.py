"""The Nemo protocol's vocabulary, shared by every layer: names, limits, song options and the draft model.

Imports nothing else of the package, so the engine, renderer, backend, client and front ends
can all depend on it without depending on each other.
"""
