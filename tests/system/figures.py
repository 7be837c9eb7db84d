"""Figures the system tests measured, shown at the end of the pytest run (and so in CI logs)."""

FIGURES: list[str] = []


def report(test: str, **figures: int) -> None:
    line = f"{test}: " + ", ".join(f"{name}={value}" for name, value in figures.items())
    FIGURES.append(line)
    print(line)
