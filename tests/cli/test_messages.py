"""The `relais` command line speaks the community's language: configuration errors and outputs."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.config import Config, ConfigError, declared_language
from bot.errors import Refusal, Term
from relais.cli import cli_language, fail, main

LOCALE = ("LC_ALL", "LC_MESSAGES", "LANG", "RELAIS_COMMUNITY_LANGUAGE", "RELAIS_DATABASE_URL")


def invoke(args: list[str], stdin: str = "", **env: str):
    """Run the CLI with only the given locale and language variables set."""
    environment: dict[str, str | None] = {name: None for name in LOCALE}
    environment.update(env)
    return CliRunner().invoke(main, args, input=stdin, env=environment)


def bad_timezone(tmp_path, extra: str = "") -> str:
    path = tmp_path / "bad.toml"
    path.write_text(f'[community]\ntimezone = "Mars/Olympus"\n{extra}', encoding="utf-8")
    return str(path)


def test_a_configuration_error_in_french_and_in_english(tmp_path):
    config = bad_timezone(tmp_path)
    french = invoke(["--config", config, "chat", "--as", "x"], RELAIS_COMMUNITY_LANGUAGE="fr")
    assert french.exit_code == 2
    assert "community.timezone n’est pas un fuseau horaire IANA\u00a0: «\u202fMars/Olympus\u202f»" in french.output
    english = invoke(["--config", config, "chat", "--as", "x"], RELAIS_COMMUNITY_LANGUAGE="en")
    assert english.exit_code == 2
    assert "community.timezone is not an IANA timezone: “Mars/Olympus”" in english.output


def test_a_wrong_config_still_speaks_the_language_it_asks_for(tmp_path):
    config = bad_timezone(tmp_path, 'language = "en"\n')
    result = invoke(["--config", config, "chat", "--as", "x"], LANG="fr_FR.UTF-8")
    assert "is not an IANA timezone" in result.output


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"LANG": "fr_FR.UTF-8"}, "doit valoir fr ou en, pas «\u202fde\u202f»"),
        ({"LC_ALL": "fr_CA.UTF-8", "LANG": "en_GB.UTF-8"}, "doit valoir fr ou en, pas «\u202fde\u202f»"),
        ({"LC_MESSAGES": "C", "LANG": "fr_FR.UTF-8"}, "must be fr or en, not “de”"),
        ({}, "must be fr or en, not “de”"),
    ],
)
def test_without_a_language_the_locale_decides(tmp_path, env, expected):
    config = tmp_path / "de.toml"
    config.write_text('[community]\nlanguage = "de"\n', encoding="utf-8")
    result = invoke(["--config", str(config), "db", "upgrade"], **env)
    assert result.exit_code == 2 and expected in result.output


def test_a_missing_config_file(tmp_path):
    missing = tmp_path / "nowhere.toml"
    result = invoke(["--config", str(missing), "db", "upgrade"], LANG="fr_FR.UTF-8")
    assert result.exit_code == 2 and f"fichier de configuration introuvable\u00a0: {missing}" in result.output
    result = invoke(["--config", str(missing), "db", "upgrade"], LANG="en_US.UTF-8")
    assert result.exit_code == 2 and f"configuration file not found: {missing}" in result.output


def test_db_upgrade_is_french_by_default_and_english_on_demand(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    french = invoke(["db", "upgrade", "--db", url], LANG="en_US.UTF-8")
    assert french.exit_code == 0 and french.output == "la base de données est à jour\n"
    english = invoke(["db", "upgrade", "--db", url], RELAIS_COMMUNITY_LANGUAGE="en")
    assert english.exit_code == 0 and english.output == "database is up to date\n"


def test_export_counts_in_both_languages(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    invoke(["chat", "--as", "alice", "--now", "2026-11-26T10:00", "--db", url], "/engage Réserver la salle\n")
    target = tmp_path / "actions.csv"
    french = invoke(["export", "actions", "-o", str(target), "--db", url])
    assert f"1 engagement écrit dans {target}" in french.output
    english = invoke(["export", "actions", "-o", str(target), "--db", url], RELAIS_COMMUNITY_LANGUAGE="en")
    assert f"1 commitment written to {target}" in english.output
    ics = tmp_path / "meetings.ics"
    none = invoke(["export", "meetings", "-o", str(ics), "--db", url], RELAIS_COMMUNITY_LANGUAGE="en")
    assert f"0 meetings written to {ics}" in none.output


def test_run_without_a_platform_in_english(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "relais.toml").write_text('[community]\nname = "X"\n', encoding="utf-8")
    result = invoke(["run", "--db", url], RELAIS_COMMUNITY_LANGUAGE="en")
    assert (
        result.exit_code == 2 and "no chat platform is configured: add a [matrix] or [slack] section" in result.output
    )


def test_run_from_a_folder_without_relais_toml_says_where_it_looked(tmp_path, monkeypatch):
    """A service started in another working directory: before, 'no chat platform is configured: add a [matrix] or
    [slack] section' sent the operator to edit a file that was in order."""
    monkeypatch.chdir(tmp_path)
    for language, expected in (
        ("en", f"there is no relais.toml in {tmp_path}: start Relais from the folder that holds it, or give --config"),
        ("fr", f"il n’y a pas de relais.toml dans {tmp_path} : lancez Relais depuis le dossier qui le contient"),
    ):
        result = invoke(["run"], RELAIS_COMMUNITY_LANGUAGE=language)
        assert result.exit_code == 2 and expected in result.output.replace("\u00a0", " "), result.output
    assert not (tmp_path / "relais.db").exists()


def test_unknown_circle_and_bad_arguments_follow_the_language(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    english = invoke(["digest", "--circle", "nope", "--lang", "en", "--db", url])
    assert english.exit_code == 1 and "no circle called “nope”; circles: Général" in english.output
    french = invoke(["digest", "--circle", "nope", "--db", url])
    assert (
        french.exit_code == 1
        and "aucune instance ne s’appelle «\u202fnope\u202f»\u202f; instances\u00a0: Général" in french.output
    )
    assert "ce n’est pas un numéro de réunion\u00a0: abc" in invoke(["agenda", "abc", "--db", url]).output
    assert "not a meeting number: abc" in invoke(["agenda", "abc", "--lang", "en", "--db", url]).output
    now = invoke(["chat", "--as", "x", "--now", "someday", "--db", url], RELAIS_COMMUNITY_LANGUAGE="en")
    assert now.exit_code == 2 and "not an ISO datetime: someday" in now.output


def test_schedule_settings_errors_are_translated(tmp_path):
    config = tmp_path / "relais.toml"
    config.write_text('[schedules]\nrecap_grace_hours = "soon"\n', encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'r.db'}"
    result = invoke(["--config", str(config), "digest", "--db", url])
    assert (
        result.exit_code == 2
        and "schedules.recap_grace_hours doit être un nombre, pas «\u202fsoon\u202f»" in result.output
    )


def test_config_error_keeps_the_english_text_and_its_values():
    error = ConfigError("matrix.{key} must not be negative", key="sync_timeout")
    assert str(error) == "matrix.sync_timeout must not be negative"
    assert (error.message, error.values) == ("matrix.{key} must not be negative", {"key": "sync_timeout"})
    assert str(ConfigError("no chat platform is configured: add a [matrix] or [slack] section")).startswith("no chat")
    assert fail(error, "fr").message == "matrix.sync_timeout ne doit pas être négatif"
    assert fail(error, "en").message == "matrix.sync_timeout must not be negative"
    refusal = Refusal("#{number} is {kind}, not an item to read.", number=3, kind=Term("a meeting"))
    assert fail(refusal, "en").message == "#3 is a meeting, not an item to read."
    assert fail(refusal, "fr").message == "#3 est une réunion, pas un élément à lire."


def test_cli_language_and_declared_language(tmp_path, monkeypatch):
    assert cli_language(Config(language="en")) == "en" and cli_language(Config()) == "fr"
    config = tmp_path / "relais.toml"
    config.write_text('[community]\nlanguage = "EN"\ntimezone = "nowhere"\n', encoding="utf-8")
    assert declared_language(config, environ={}) == "en"
    assert declared_language(config, environ={"RELAIS_COMMUNITY_LANGUAGE": "fr"}) == "fr"
    assert declared_language(tmp_path / "none.toml", environ={}) is None
    for name in LOCALE:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "fr_BE.UTF-8")
    assert cli_language(None, str(tmp_path / "none.toml")) == "fr"
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    assert cli_language(None, str(tmp_path / "none.toml")) == "en"


def test_a_circle_without_name_and_a_bad_number_are_clear_errors(tmp_path):
    from click.testing import CliRunner

    from relais.cli import main

    config = tmp_path / "relais.toml"
    config.write_text('[community]\nlanguage = "fr"\n\n[[circles]]\nchannels = ["console:x"]\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(config), "db", "upgrade", "--db", f"sqlite:///{tmp_path}/a.db"])
    assert result.exit_code != 0 and "chaque entrée [[circles]] doit avoir un nom" in result.output
    config.write_text('[community]\nlanguage = "en"\nlate_joiner_items = "five"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(config), "db", "upgrade", "--db", f"sqlite:///{tmp_path}/a.db"])
    assert result.exit_code != 0 and "community.late_joiner_items must be a whole number, not “five”" in result.output


def test_a_choice_that_is_not_one_is_said_in_french(tmp_path):
    """Before: "Valeur incorrecte pour '--format' : 'xlsx' is not one of 'csv', 'json'." (click's ngettext)."""
    url = f"sqlite:///{tmp_path / 'r.db'}"
    french = invoke(["export", "actions", "--format", "xlsx", "--db", url])
    assert french.exit_code == 2 and "'xlsx' n’est pas parmi 'csv', 'json'." in french.output, french.output
    english = invoke(["export", "actions", "--format", "xlsx", "--db", url], RELAIS_COMMUNITY_LANGUAGE="en")
    assert "'xlsx' is not one of 'csv', 'json'." in english.output
