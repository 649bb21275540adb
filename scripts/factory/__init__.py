"""The local Linux wheel factory: build images, run cibuildwheel in them, check and report.

`python -m factory images` builds (or reuses) the build images; `python -m factory wheels`
is the README's main job. Run from the repository root with `scripts/` on `sys.path`
(the entry points `scripts/build-images` and `scripts/build-wheels` do this).
"""
