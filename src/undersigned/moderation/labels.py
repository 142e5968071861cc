"""How a group of signatures is named to moderators."""

LABEL_DIGITS = 12


def subnet_label(subnet_hash: str) -> str:
    """A subnet as moderators see it: the first twelve hex digits of its keyed hash, in
    threes of four ("3f9a-c21b-77e0"). Stable, short, and telling nobody the network; the
    chance that two of a letter's subnets share one is under one in ten thousand even
    among a hundred thousand subnets."""
    digits = subnet_hash[:LABEL_DIGITS]
    return "-".join(digits[i : i + 4] for i in range(0, len(digits), 4))


def group_label(grouping: str, key: str) -> str:
    """A subnet by its label, a domain by its name."""
    return subnet_label(key) if grouping == "subnet" else key
