"""Scale: a saved program made in parts, chunk by chunk, in parallel sandbox containers (issue 12).

``contract`` reads the parts contract from a program's source (``ast`` only).
"""
