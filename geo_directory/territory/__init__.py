"""Communes, départements and the region: the territory every listing is placed in."""
