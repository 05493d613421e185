"""Process plumbing: worker pools for CPU work and start-up's patience with services."""
