"""The reviewers' side: their database, the signed decision log, its facts, the queue, row store."""
