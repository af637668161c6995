"""Upstream sync: the kit's outbox pushed to a hub, signed, in resumable batches."""
