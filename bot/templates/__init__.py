"""Campaign templates (one TOML file per plan) and the other data files of the domain.

The files ship inside the package so an installed bot finds them without a checkout;
`bot.services.templates` reads and checks the plans (titles.toml and report_figures.toml
are read by their own services).

A plan file `<slug>.toml` holds:

- `slug` (= the file name), `name`/`name_en`, `province`, `issuer`/`issuer_en`,
  `theme`/`theme_en`, `document_number` (a pattern with `{number}`, e.g. "{number}/KH-KCN"),
  `source` (which plan it transcribes) and `targets_year` (the year its targets are for);
- `kind`: "annual" (any year), "special" or "multi-year" with `years = [first, last]`;
- `[[phases]]`: `number` (1, 2, ...), `name`/`name_en`, `start`/`end` as "MM-DD",
  `call`/`call_en` (what to set achievements for), `review`/`review_en` (sơ kết / tổng kết);
- `[[deadlines]]`: `kind` (a DeadlineKind value), `due` "MM-DD", optional `reminders`
  (default [14, 7, 3, 1, 0, -1, -3]: days before the due date; negative = working days after);
- `[[observances]]`: `date` "MM-DD", `name`/`name_en`, `founded` (year, for "kỷ niệm N năm"),
  `phase`;
- `[[targets]]`: `key`, `label`/`label_en`, `value` (and `value_max` for a range), `unit`/
  `unit_en`, `growth` (% over the previous year), `qualifier` (exact, about, at_least, at_most);
- `[[award_targets]]`: `key`, `label`/`label_en`, `value` (a minimum number of proposals).

"{year}" in any text is replaced by the campaign's year.
"""

from pathlib import Path

TEMPLATES_DIR = Path(__file__).resolve().parent
