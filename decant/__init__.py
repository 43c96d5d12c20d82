"""Decant: the domain core of a static-first storefront for perfume samples.

Nothing in this package knows about HTTP; `functions/` and `build.py` import it,
never the other way round.
"""
