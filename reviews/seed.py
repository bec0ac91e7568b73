"""Demo reviews (filled below)."""


def seed_demo(progress=None) -> None:
    return None
