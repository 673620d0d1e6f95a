"""Campaign templates (one TOML file per plan) and the other data files of the domain.

The files ship inside the package so an installed bot finds them without a checkout;
`bot.services.templates` reads and checks the plans.
"""

from pathlib import Path

TEMPLATES_DIR = Path(__file__).resolve().parent
