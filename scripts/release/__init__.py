"""The release pipeline's own logic: the expected wheel set, the release gate and its
summary, the workflow checks and the local release rehearsal (`python -m release`)."""
