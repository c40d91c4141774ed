"""Tests of the rest of bot/: router, i18n, migrations, membership, rights, text cleaning, first start."""
