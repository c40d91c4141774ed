#!/usr/bin/env bash
# Write bot/locale/relais.pot, the template translators start from (tests/test_i18n.py checks it is current).
set -euo pipefail
cd "$(dirname "$0")/.."
cfg=$(mktemp)
printf '[python: **.py]\n[jinja2: **/templates/**.html]\n' > "$cfg"
.venv/bin/pybabel extract -F "$cfg" -k t -k tn:1,2 -k N_ -k Refusal -k UsageError -k Term -k ConfigError -k RuleError -k FatalError \
    --project=Relais --version=0.1.0 --copyright-holder="The Relais developers" --no-location --sort-output \
    -o bot/locale/relais.pot bot commands adapters schedules relais
rm -f "$cfg"
