"""The table in docs/PERFORMANCE.md: one row per figure, with its target and whether it is met."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Row:
    section: str
    figure: str
    value: float
    runs: int
    target: str
    met: bool | None  # None: reported or compared, no target
    shortfall: str = ""  # said when the target is not met
    shown: str = ""  # the value as shown, when not a plain number

    def status(self) -> str:
        if self.met is None:
            return "—"
        return "met" if self.met else f"**not met** ({self.shortfall})"

    def value_text(self) -> str:
        if self.shown:
            return self.shown
        if self.value == int(self.value):
            return f"{self.value:,.0f}".replace(",", " ")
        return f"{self.value:,.2f}".replace(",", " ")


@dataclass
class Report:
    machine: list[tuple[str, str]]
    runs: int
    quick: bool = False
    rows: list[Row] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    elapsed: float = 0.0

    def markdown(self) -> str:
        lines = [
            "# Performance",
            "",
            "Written by `make bench` (`python -m bench`); do not edit by hand. Each figure is",
            "the median of the runs shown; each ratio is measured within one run (the echo bot",
            "and the whole bot on the same fake Bot API, one after the other) and its median",
            "taken. How each benchmark works is in the docstrings of `bench/*.py`.",
            "",
        ]
        if self.quick:
            lines += [
                "**Quick run (tiny sizes): these figures say nothing about performance.**",
                "",
            ]
        lines += ["## Machine", ""]
        lines += [f"- {name}: {value}" for name, value in self.machine]
        lines += [f"- Bench run time: {self.elapsed / 60:.1f} min", ""]
        lines += [
            "## Results",
            "",
            "| Benchmark | Figure | Median | Runs | Target | Status |",
            "|---|---|---:|---:|---|---|",
        ]
        for row in self.rows:
            lines.append(
                f"| {row.section} | {row.figure} | {row.value_text()} | {row.runs} | "
                f"{row.target} | {row.status()} |"
            )
        lines += ["", "## Runs", ""]
        lines += [f"- {detail}" for detail in self.details]
        if self.notes:
            lines += ["", "## Notes", ""]
            lines += [f"- {note}" for note in self.notes]
        return "\n".join(lines) + "\n"

    def summary(self) -> str:
        return "\n".join(
            f"{row.section:22} {row.figure:70} {row.value_text():>10}  {row.status()}"
            for row in self.rows
        )
