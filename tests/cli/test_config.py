"""Configuration mistakes through the command line: one clear line in the user's language and exit
code 2, never a traceback; unknown names are warned about; `relais config check` says what is
wrong and what is in force."""

from __future__ import annotations

from dataclasses import fields

import pytest
from click.testing import CliRunner

from adapters.matrix.config import MatrixConfig
from adapters.slack.settings import WORKED_OUT, SlackSettings
from bot.config import ConfigError, config_from_dict, load_config
from bot.config.keys import SECTIONS
from relais.cli import main

LOCALE = ("LC_ALL", "LC_MESSAGES", "LANG", "RELAIS_COMMUNITY_LANGUAGE", "RELAIS_DATABASE_URL")


def plain(text: str) -> str:
    """French typography aside (no-break spaces are spaces here)."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def invoke(args: list[str], stdin: str = "", **env: str):
    environment: dict[str, str | None] = {name: None for name in LOCALE}
    environment.update(env)
    return CliRunner().invoke(main, args, input=stdin, env=environment)


def write(tmp_path, text: str | bytes, name: str = "relais.toml") -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


MISTAKES = [
    (
        "[community]\nfacilitators = 5\n",
        'community.facilitators must be a list, such as ["console:camille"], not “5”',
        'community.facilitators doit être une liste, comme ["console:camille"], pas « 5 »',
    ),
    (
        'community = "X"\n',
        "community must be a section: [community] then its keys on the lines below, not “X”",
        "community doit être une section : [community] puis ses clés sur les lignes suivantes, pas « X »",
    ),
    (  # was: not “[{'name': 'x'}]”, Python's own way of writing it
        '[[community]]\nname = "x"\n',
        "community must be a section: [community] then its keys on the lines below, not “[[community]]”",
        "community doit être une section : [community] puis ses clés sur les lignes suivantes, pas « [[community]] »",
    ),
    (
        '[circles]\nname = "COPIL"\n',
        "circles must be a list of sections: [[circles]] then its keys on the lines below, not “[circles]”",
        "pas « [circles] »",
    ),
    (
        "circles = 5\n",
        "circles must be a list of sections: [[circles]] then its keys on the lines below, not “5”",
        "circles doit être une liste de sections : [[circles]]",
    ),
    (
        '[[circles]]\nname = "COPIL"\nchannels = 5\n',
        'circles.COPIL.channels must be a list, such as ["console:copil"], not “5”',
        "circles.COPIL.channels doit être une liste",
    ),
    (
        '[community]\nfacilitators = ["camille"]\n',
        "community.facilitators: “camille” does not say its platform: write console:camille",
        "community.facilitators : « camille » ne dit pas sa plateforme : écrivez console:camille",
    ),
    (
        '[community]\nfacilitators = ["@camille:example.org"]\n',
        "write matrix:@camille:example.org",
        "écrivez matrix:@camille:example.org",
    ),
    (
        '[community]\nfacilitators = ["slack:U0456"]\n',
        "“slack:U0456” must be slack:<workspace>/<member>, such as slack:T0123/U0456",
        "« slack:U0456 » doit être slack:<espace>/<membre>",
    ),
    (
        '[[circles]]\nname = "COPIL"\nchannels = ["copil"]\n',
        "circles.COPIL.channels: “copil” does not say its platform: write console:copil",
        "écrivez console:copil",
    ),
    (
        '[[circles]]\nname = "A"\nchannels = ["console:x"]\n[[circles]]\nname = "B"\nchannels = ["console:x"]\n',
        "the channel console:x is in two circles, “A” and “B”: keep it in one",
        "le canal console:x est dans deux instances",
    ),
    ("[[circles]]\nname = 5\n", "circles.1.name must be text, in quotes, not “5”", "circles.1.name doit être du texte"),
    ("database = 5\n", "database must be a section", "database doit être une section"),
    ("[database]\nurl = 5\n", "database.url must be text, in quotes, not “5”", "database.url doit être du texte"),
    ("[community]\nname = []\n", "community.name must be text", "community.name doit être du texte"),
    ("[community]\ntimezone = 1\n", "community.timezone must be text", "community.timezone doit être du texte"),
    ("[schedules]\ncircles = 5\n", "schedules.circles must be a table", "schedules.circles doit être une table"),
    ("[slack]\nchannels = 5\n", "slack.channels must be a table", "slack.channels doit être une table"),
    ("matrix = 5\n", "matrix must be a section", "matrix doit être une section"),
    ('[log]\nlevel = "loud"\n', "log.level must be one of DEBUG, INFO", "log.level doit valoir DEBUG, INFO"),
    (
        '[community]\ntimezone = "Paris"\n',
        "community.timezone is not an IANA timezone: “Paris”; write “Europe/Paris”",
        "community.timezone n’est pas un fuseau horaire IANA : « Paris » ; écrivez « Europe/Paris »",
    ),
    (
        '[community]\ndefault_circle = "COPL"\n[[circles]]\nname = "COPIL"\n',  # was: a circle COPL made
        "community.default_circle: there is no circle “COPL”; did you mean “COPIL”?",
        "community.default_circle : il n’y a pas d’instance « COPL » ; vouliez-vous dire « COPIL » ?",
    ),
    (
        '[[circles]]\nname = "GT Mobilité"\nchannels = ["console:a"]\n[[circles]]\nname = "GT mobilite"\n',
        "two [[circles]], “GT Mobilité” and “GT mobilite”, are one circle",
        "deux [[circles]], « GT Mobilité » et « GT mobilite », sont une seule instance",
    ),
    (  # the rule's own words were English in a French message
        '[schedules]\nrecap = "lunid 9h"\n',
        "schedules.recap: unknown day “lunid” in “lunid 9h”: use mon, tue… or lun, mar…",
        "schedules.recap : jour inconnu « lunid » dans « lunid 9h » : écrivez lun, mar… ou mon, tue…",
    ),
    (  # "monday 9am" is taken (tests/core/test_recurrence.py); an impossible hour is one line
        '[schedules]\nrecap = "monday 13pm"\n',
        "schedules.recap: “13pm” is not a time of day",
        "schedules.recap : « 13pm » n’est pas une heure de la journée",
    ),
    (  # TOML syntax: the line, what it holds and what to do, in the user's language (was tomllib's English)
        '[community]\nname = "x\n',
        'relais.toml, line 2, “name = "x”: a text is not closed: its closing " is missing',
        'relais.toml, ligne 2, « name = "x » : un texte n’est pas fermé : il manque son " final',
    ),
    (
        "[community]\nname = “Réussite”\n",
        'line 2, “name = “Réussite””: text goes between straight quotes "…", not “…” or « »',
        "ligne 2, « name = “Réussite” » : un texte s’écrit entre guillemets droits",
    ),
    (
        '[community]\nname = "A"\nlanguage = "fr"\nname = "B"\n',  # tomllib: "at end of document"
        'line 4, “name = "B"”: a key is written twice in its section: keep one',
        'ligne 4, « name = "B" » : une clé est écrite deux fois dans sa section : gardez-en une',
    ),
    (
        '[community]\nfacilitators = ["console:a",\n\n[database]\nurl = "sqlite://"\n',
        'line 2, “facilitators = ["console:a",”: a list is not closed: its ] is missing',
        'ligne 2, « facilitators = ["console:a", » : une liste n’est pas fermée : il manque son ]',
    ),
    (
        "[community]\nlanguage fr\n",
        'line 2, “language fr”: a key is followed by = and its value, such as language = "fr"',
        "ligne 2, « language fr » : une clé est suivie de = et de sa valeur",
    ),
    (  # Element's "Copy link to room"
        '[[circles]]\nname = "COPIL"\nchannels = ["https://matrix.to/#/%21abc%3Aexample.org?via=example.org"]\n',
        "circles.COPIL.channels: “https://matrix.to/#/%21abc%3Aexample.org?via=example.org” is a link: "
        "write matrix:!abc:example.org",
        "est un lien : écrivez matrix:!abc:example.org",
    ),
    (
        '[[circles]]\nname = "COPIL"\nchannels = ["https://app.slack.com/client/T0123/C0AAA"]\n',
        "is a link: write slack:T0123/C0AAA",
        "est un lien : écrivez slack:T0123/C0AAA",
    ),
    (
        '[[circles]]\nname = "COPIL"\nchannels = ["https://matrix.to/#/#copil:example.org"]\n',
        "is a link: write the room's internal id, matrix:!<room>:<server> (Element: Room settings → Advanced)",
        "est un lien : écrivez l’identifiant interne du salon",
    ),
    (
        '[[circles]]\nname = "COPIL"\nchannels = ["slack:T0123/general"]\n',
        "“slack:T0123/general” must name the channel by its Slack id, such as slack:T0123/C0AAA, not by its name",
        "« slack:T0123/general » doit désigner le canal par son identifiant Slack",
    ),
    (
        '[community]\nfacilitators = ["slack:T0123/camille"]\n',
        "“slack:T0123/camille” must name the member by their Slack id",
        "doit désigner le membre par son identifiant Slack",
    ),
    (
        '[community]\nfacilitators = ["https://matrix.to/#/@camille:example.org"]\n',
        "is a link: write matrix:@camille:example.org",
        "est un lien : écrivez matrix:@camille:example.org",
    ),
]


@pytest.mark.parametrize(("text", "english", "french"), MISTAKES)
@pytest.mark.parametrize("command", [["chat", "--as", "x"], ["config", "check"], ["db", "upgrade"]])
def test_each_mistake_is_one_line_in_the_users_language_with_exit_code_2(tmp_path, text, english, french, command):
    config = write(tmp_path, text)
    url = f"sqlite:///{tmp_path / 'r.db'}"
    extra = ["--db", url] if command[0] != "config" else []
    for language, expected in (("en", english), ("fr", french)):
        result = invoke(["--config", config, *command, *extra], "/whoami\n", RELAIS_COMMUNITY_LANGUAGE=language)
        assert result.exit_code == 2, result.output
        assert expected in plain(result.output)
        assert "Traceback" not in result.output and "Error" not in result.output
        if command[0] != "config":
            assert len(result.output.strip().splitlines()) == 1, result.output
    assert not (tmp_path / "r.db").exists()  # nothing was opened


def test_a_file_that_is_not_utf8(tmp_path):
    config = write(tmp_path, b'[community]\nname = "caf\xe9"\n')
    french = invoke(["--config", config, "chat", "--as", "x"], LANG="fr_FR.UTF-8")
    assert french.exit_code == 2
    assert plain(french.output) == f"{config} n’est pas du texte UTF-8 (ligne 2) : enregistrez-le à nouveau en UTF-8\n"
    english = invoke(["--config", config, "config", "check"], LANG="en_GB.UTF-8")
    assert english.exit_code == 2 and f"{config} is not UTF-8 text (line 2): save it again as UTF-8" in english.output


def test_a_folder_given_as_the_file(tmp_path):
    result = invoke(["--config", str(tmp_path), "chat", "--as", "x"], LANG="en_GB.UTF-8")
    assert result.exit_code == 2 and f"cannot read {tmp_path}: it is a folder, not a file" in result.output
    french = invoke(["--config", str(tmp_path), "chat", "--as", "x"], LANG="fr_FR.UTF-8")  # before: "Is a directory"
    assert french.exit_code == 2 and "c’est un dossier, pas un fichier" in french.output


def test_unknown_sections_and_keys_are_warned_about_with_the_closest_name(tmp_path):
    config = write(
        tmp_path,
        '[comunity]\nname = "x"\n[community]\nlangage = "en"\nlanguage = "en"\n'
        '[[circles]]\nname = "COPIL"\nchanels = ["console:copil"]\n[matrix]\nhomeserveur = "x"\nenabled = false\n'
        "[weather]\nsunny = true\n",
    )
    url = f"sqlite:///{tmp_path / 'r.db'}"
    result = invoke(["--config", config, "chat", "--as", "x", "--db", url], "/whoami\n")
    assert result.exit_code == 0
    warnings = result.stderr.splitlines()
    assert warnings == [
        "warning: unknown section [comunity] is ignored; did you mean [community]?",
        "warning: unknown key langage in [community] is ignored; did you mean language?",
        "warning: unknown key chanels in [[circles]] “COPIL” is ignored; did you mean channels?",
        "warning: unknown key homeserveur in [matrix] is ignored; did you mean homeserver?",
        "warning: unknown section [weather] is ignored; known sections: community, database, schedules, matrix, "
        "slack, web, log, circles",
    ]
    assert "You are x" in result.stdout  # the rest works
    check = invoke(["--config", config, "config", "check"])
    assert check.exit_code == 0 and "! unknown key langage in [community] is ignored" in check.output
    assert "5 things are ignored; the rest is in order." in check.output
    assert invoke(["--config", config, "config", "check", "--strict"]).exit_code == 2


def test_only_known_relais_variables_are_configuration(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    environ = {
        "RELAIS_TEST_DATABASE_URL": "postgresql://elsewhere/test",
        "RELAIS_COMMUNITY_LANGAGE": "en",
        "RELAIS_DATABASE_URL": "sqlite:///x.db",
        "RELAIS_SCHEDULES_RECAP_GRACE_HOURS": "6",
        "RELAIS_SLACK_CHANNELS": "C1=COPIL",
        "RELAISX": "1",
    }
    config = load_config(None, environ=environ)
    assert "test" not in config.sections and config.database_url == "sqlite:///x.db"
    assert config.schedules.recap_grace.total_seconds() == 6 * 3600
    assert "slack" not in config.sections  # a table cannot come from a variable
    assert [str(note) for note in config.notes] == [
        "the variable RELAIS_COMMUNITY_LANGAGE is not a Relais setting and is ignored; "
        "did you mean RELAIS_COMMUNITY_LANGUAGE?",
        "the variable RELAIS_SLACK_CHANNELS is not a Relais setting and is ignored",
    ]


def test_every_key_an_adapter_reads_is_known():
    assert {field.name for field in fields(MatrixConfig)} <= SECTIONS["matrix"]
    assert {field.name for field in fields(SlackSettings)} - WORKED_OUT <= SECTIONS["slack"]
    assert not WORKED_OUT & SECTIONS["slack"]


def test_addresses_are_kept_with_their_platform_in_lower_case():
    config = config_from_dict(
        {
            "community": {"facilitators": "Console:camille, slack:T1/U2, matrix:@c:hs.example"},
            "circles": [{"name": "COPIL", "channels": ["console:copil", "matrix:!r:hs.example", "slack:T1/C1"]}],
        }
    )
    assert config.facilitators == ("console:camille", "slack:T1/U2", "matrix:@c:hs.example")
    assert config.circles[0].channels == ("console:copil", "matrix:!r:hs.example", "slack:T1/C1")
    with pytest.raises(ConfigError, match="Relais knows the platforms console, slack and matrix, not “tchap”"):
        config_from_dict({"community": {"facilitators": ["tchap:@c:hs"]}})
    with pytest.raises(ConfigError, match="the room's internal id"):
        config_from_dict({"circles": [{"name": "A", "channels": ["matrix:#copil:hs"]}]})
    with pytest.raises(ConfigError, match="has nothing after its platform"):
        config_from_dict({"community": {"facilitators": ["console:"]}})


GOOD = """
[community]
name = "Réussite éducative en Essonne"
language = "{language}"
default_circle = "COPIL"
facilitators = ["console:camille", "matrix:@camille:example.org"]

[database]
url = "{url}"

[[circles]]
name = "COPIL"
channels = ["console:copil", "matrix:!abc:example.org"]

[[circles]]
name = "GT Mobilité"
channels = ["console:gt-mobilite"]
recap = "fri 16:00"

[matrix]
homeserver = "https://matrix.example.org"
user_id = "@relais:example.org"
"""


def test_config_check_says_what_is_in_force(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    config = write(tmp_path, GOOD.format(language="en", url=url))
    result = invoke(["--config", config, "config", "check"], RELAIS_MATRIX_ACCESS_TOKEN="syt_secret")
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"Configuration: {config}" in out
    assert "Réussite éducative en Essonne (language en, timezone Europe/Paris)" in out
    assert f"{url} (will be created at the first start)" in out
    assert "COPIL (default circle): console:copil, matrix:!abc:example.org" in out
    assert "GT Mobilité: console:gt-mobilite" in out
    assert "console:camille, matrix:@camille:example.org" in out
    assert "console, matrix" in out
    assert "every Monday at 09:00; GT Mobilité: every Friday at 16:00" in out
    assert "agenda 24 h before, reminders 24 h and 1 h before" in out
    assert "✓ The configuration is in order." in out and "syt_secret" not in out
    assert not (tmp_path / "r.db").exists()  # checking opens nothing it would create
    invoke(["db", "upgrade", "--db", url])
    assert (
        f"{url} (schema up to date)"
        in invoke(["--config", config, "config", "check"], RELAIS_MATRIX_ACCESS_TOKEN="t").output
    )


def test_config_check_in_french_with_a_problem_and_a_hidden_password(tmp_path):
    config = write(tmp_path, GOOD.format(language="fr", url="postgresql://relais:s3cret@127.0.0.1:1/relais"))
    result = invoke(["--config", config, "config", "check"])
    assert result.exit_code == 2
    out = plain(result.output)
    assert "✗ matrix a besoin de access_token" in out  # the adapter's own check
    assert "✗ impossible d’ouvrir la base de données postgresql+psycopg://relais:***@127.0.0.1:1/relais" in out
    assert "s3cret" not in out
    assert "En vigueur :" in out and "COPIL (instance par défaut) : console:copil" in out
    assert "2 problèmes : Relais ne démarrera pas avant qu’ils soient corrigés." in out


def test_config_check_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke(["config", "check"], LANG="en_GB.UTF-8")
    assert result.exit_code == 0
    assert "Configuration : pas de relais.toml ici" in plain(result.output)  # the default language is French
    assert "sqlite:///relais.db (sera créée au premier démarrage)" in plain(result.output)


def test_help_is_in_the_users_language(tmp_path):
    french = invoke(["config", "check", "--help"], LANG="en_GB.UTF-8")  # no config: French, the default language
    assert french.exit_code == 0
    text = plain(french.output)
    assert text.startswith("Utilisation : main config check [OPTIONS]")
    assert "Dire ce qui ne va pas dans la configuration et ce qui est en vigueur" in text
    assert "Options :" in text and "Afficher ce message et quitter." in text
    english = invoke(["config", "check", "--help"], RELAIS_COMMUNITY_LANGUAGE="en")
    assert english.output.startswith("Usage: main config check [OPTIONS]")
    assert "Say what is wrong in the configuration and what is in force" in english.output
    listing = plain(invoke(["--help"], RELAIS_COMMUNITY_LANGUAGE="fr").output)
    assert "Commandes :" in listing and "config  La configuration : relais.toml" in listing
    assert "Usage" not in listing and "Show this message" not in listing
    config = write(tmp_path, '[community]\nlanguage = "en"\n')
    assert "Check this database URL" in invoke(["--config", config, "config", "check", "--help"]).output
    assert invoke(["--help"]).output == invoke(["--help"]).output  # nothing stays swapped


def test_config_check_says_what_is_ignored_even_when_something_is_wrong(tmp_path):
    config = write(tmp_path, '[community]\nlangage = "en"\nfacilitators = ["camille"]\n')
    result = invoke(["--config", config, "config", "check"], RELAIS_COMMUNITY_LANGUAGE="en")
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[1].startswith("  ✗ community.facilitators: “camille” does not say its platform")
    assert lines[2] == "  ! unknown key langage in [community] is ignored; did you mean language?"
    assert lines[-1] == "1 problem: Relais will not start until it is fixed."


def test_clicks_usage_errors_speak_the_users_language(tmp_path):
    french = invoke(["chat"], LANG="en_GB.UTF-8")
    assert french.exit_code == 2
    assert plain(french.output).splitlines() == [
        "Utilisation : main chat [OPTIONS]",
        "Essayez « main chat --help » pour l’aide.",
        "",
        "Erreur : Il manque l’option '--as'.",
    ]
    english = invoke(["chat", "--as", "x", "--now", "someday"], RELAIS_COMMUNITY_LANGUAGE="en")
    assert english.exit_code == 2 and "Error: Invalid value for --now: not an ISO datetime: someday" in english.output
    config = write(tmp_path, '[community]\nlanguage = "en"\n')
    assert "Error: No such command 'nope'." in invoke(["--config", config, "nope"]).output
    assert "Erreur : Pas de commande 'nope'." in plain(invoke(["nope"]).output)


def test_the_example_configuration_is_in_order(tmp_path):
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "relais.example.toml"
    config = load_config(example, environ={})
    assert config.notes == () and config.facilitators[0] == "console:camille"
    url = f"sqlite:///{tmp_path / 'r.db'}"
    result = invoke(["--config", str(example), "config", "check", "--strict", "--db", url])
    assert result.exit_code == 0 and "La configuration est en ordre pour la console" in plain(result.output)


def test_a_room_id_without_a_server_is_a_room_id():
    """Rooms of version 12 and later have ids without a server part (`!Lion…Ax44`)."""
    config = config_from_dict({"circles": [{"name": "A", "channels": ["matrix:!LionUT3dT6TLzxuvAwtc_-44"]}]})
    assert config.circles[0].channels == ("matrix:!LionUT3dT6TLzxuvAwtc_-44",)


PLATFORM_MISTAKES = [
    (
        '[slack]\nbot_token = "xoxb-1"\napp_token = "xapp-1"\n[slack.channels]\ngeneral = "COPIL"\n',
        '“general” must be a Slack channel id, such as C0AAA = "COPIL", not a channel\'s name',
        "« general » doit être l’identifiant d’un canal Slack",
    ),
    (
        '[slack]\nbot_token = "xoxb-1"\napp_token = "xapp-1"\n[slack.channels]\nC0AAA = "COPL"\n',
        "slack.channels.C0AAA: there is no circle “COPL”; did you mean “COPIL”?",
        "slack.channels.C0AAA : il n’y a pas d’instance « COPL » ; vouliez-vous dire « COPIL » ?",
    ),
    (
        '[slack]\nbot_token = "xoxb-1"\napp_token = "xapp-1"\n[slack.channels]\nC0AAA = ["COPIL"]\n',
        "slack.channels.C0AAA must be text, in quotes",
        "slack.channels.C0AAA doit être du texte",
    ),
    (
        '[slack]\nbot_token = "xoxb-1"\napp_token = "xapp-1"\nfacilitators = ["@camille"]\n',
        "slack.facilitators: “camille” must be a Slack member id, such as U0456, not a name",
        "slack.facilitators : « camille » doit être l’identifiant Slack d’un membre",
    ),
    (
        '[slack]\nbot_token = "xoxp-1"\napp_token = "xapp-1"\n',
        "slack.bot_token (or RELAIS_SLACK_BOT_TOKEN) must be the app's bot token, xoxb-…",
        "slack.bot_token (ou RELAIS_SLACK_BOT_TOKEN) doit être le jeton de bot",
    ),
    (
        '[matrix]\nhomeserver = "https://matrix.example.org/_matrix/client/v3"\nuser_id = "@relais:example.org"\n'
        'access_token = "syt_x"\n',
        "matrix.homeserver is the server's address without /_matrix/…: write https://matrix.example.org",
        "matrix.homeserver est l’adresse du serveur, sans /_matrix/… : écrivez https://matrix.example.org",
    ),
    (
        '[matrix]\nhomeserver = "https://matrix.example.org"\nuser_id = "@relais:example.org"\naccess_token = "x"\n'
        '[web]\npublic_url = "relais.example.org"\n',
        "web.public_url must start with https://",
        "web.public_url doit commencer par https://",
    ),
    ('[community]\nname = "X"\n', "no chat platform is configured", "aucune messagerie n’est configurée"),
    (
        '[slack]\nbot_token = "xapp-1"\napp_token = "xoxb-1"\n',
        "slack.bot_token and slack.app_token are swapped: the bot token is xoxb-…, the app token xapp-…",
        "slack.bot_token et slack.app_token sont inversés",
    ),
    (  # was: a circle without a name
        '[slack]\nbot_token = "xoxb-1"\napp_token = "xapp-1"\n[slack.channels]\nC0BBB = ""\n',
        'slack.channels.C0BBB needs the name of its circle: C0BBB = "COPIL"',
        'slack.channels.C0BBB a besoin du nom de son instance : C0BBB = "COPIL"',
    ),
    (  # [[circles]] and [slack.channels] disagree: one of them won silently
        '[slack]\nbot_token = "xoxb-1"\napp_token = "xapp-1"\n[slack.channels]\nC0AAA = "GT Mobilité"\n',
        "the channel C0AAA is in two circles, “COPIL” and “GT Mobilité”: keep it in one",
        "le canal C0AAA est dans deux instances",
    ),
]


@pytest.mark.parametrize(("section", "english", "french"), PLATFORM_MISTAKES)
def test_relais_run_refuses_a_platform_mistake_before_it_opens_the_database(tmp_path, section, english, french):
    """`relais run` says a mistake in [slack], [matrix] or [web] in one line, with exit code 2, and leaves the
    database as it was (before: the database created and migrated, forty lines of log, then the mistake)."""
    circles = '\n[[circles]]\nname = "COPIL"\nchannels = ["console:copil", "slack:T0123/C0AAA"]\n'
    config = write(tmp_path, section.replace("[slack]", circles + "[slack]", 1) if "[slack]" in section else section)
    url = f"sqlite:///{tmp_path / 'r.db'}"
    for language, expected in (("en", english), ("fr", french)):
        result = invoke(["--config", config, "run", "--db", url], RELAIS_COMMUNITY_LANGUAGE=language)
        assert result.exit_code == 2, result.output
        assert len(result.output.strip().splitlines()) == 1 and expected in plain(result.output), result.output
        assert not (tmp_path / "r.db").exists()
        if "no chat platform" not in english:
            check = invoke(["--config", config, "config", "check", "--db", url], RELAIS_COMMUNITY_LANGUAGE=language)
            assert check.exit_code == 2 and expected in plain(check.output), check.output


@pytest.mark.parametrize(
    ("url", "english", "french"),
    [
        ("relais.db", "for a file, write sqlite:///relais.db", "pour un fichier, écrivez sqlite:///relais.db"),
        (  # was: "the database driver is not installed for mysql://…: pip install 'relais[postgres]'"
            "mysql://relais@localhost/relais",
            "write sqlite:///relais.db or postgresql://user:password@host/dbname",
            "écrivez sqlite:///relais.db ou postgresql://utilisateur:mot-de-passe@serveur/base",
        ),
    ],
)
def test_a_database_relais_does_not_know_is_told_what_to_write(tmp_path, url, english, french):
    config = write(tmp_path, f'[database]\nurl = "{url}"\n')
    for language, expected in (("en", english), ("fr", french)):
        for command in (["config", "check"], ["chat", "--as", "x"], ["db", "upgrade"]):
            result = invoke(["--config", config, *command], RELAIS_COMMUNITY_LANGUAGE=language)
            assert result.exit_code == 2 and expected in plain(result.output), result.output


def test_a_database_url_naming_another_file_or_memory_is_one_line(tmp_path):
    """Before: a Python traceback (sqlite3.DatabaseError: file is not a database) for database.url naming the
    configuration itself; 'no such table: communities' for an in-memory database, which keeps nothing."""
    other = tmp_path / "notes.txt"
    other.write_text("réunion jeudi\n" * 200, encoding="utf-8")
    cases = (
        (f"sqlite:///{other}", "is not a database Relais can use (file is not a database): database.url names another"),
        (
            "sqlite:///:memory:",
            "is a database in memory, which keeps nothing: write a file, such as sqlite:///relais.db",
        ),
        ("sqlite://", "database.url sqlite:// is a database in memory, which keeps nothing"),
    )
    for url, expected in cases:
        config = write(tmp_path, f'[database]\nurl = "{url}"\n')
        for command in (["config", "check"], ["chat", "--as", "x"], ["db", "upgrade"]):
            result = invoke(["--config", config, *command], "/whoami\n", RELAIS_COMMUNITY_LANGUAGE="en")
            assert result.exit_code == 2 and expected in result.output, result.output
            assert "Traceback" not in result.output
    assert other.read_text(encoding="utf-8") == "réunion jeudi\n" * 200  # left as it was


def test_a_configuration_without_a_chat_platform_says_relais_run_needs_one(tmp_path):
    """An empty relais.toml is in order for the console, but `relais run` refuses it: the check says so, not ✓."""
    url = f"sqlite:///{tmp_path / 'r.db'}"
    config = write(tmp_path, "")
    french = invoke(["--config", config, "config", "check", "--db", url])
    assert french.exit_code == 0 and "✓" not in french.output, french.output
    assert "relais run a besoin d’une section [matrix] ou [slack]" in plain(french.output)
    english = invoke(["--config", config, "config", "check", "--db", url], RELAIS_COMMUNITY_LANGUAGE="en")
    assert "relais run needs a [matrix] or [slack] section" in english.output
    assert "aucune messagerie n’est configurée" in plain(invoke(["--config", config, "run", "--db", url]).output)


def test_config_check_connect_says_why_a_platform_cannot_be_reached_in_french(tmp_path):
    """Before: "impossible de joindre http://127.0.0.1:… ([Errno 111] Connection refused)"."""
    import socket

    from bot.config import ConfigError, os_reason
    from relais.cli_support import said

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    config = write(tmp_path, f'[matrix]\nhomeserver = "{closed}"\nuser_id = "@r:example.org"\naccess_token = "x"\n')
    result = invoke(["--config", config, "config", "check", "--connect"], RELAIS_COMMUNITY_LANGUAGE="fr")
    assert result.exit_code == 2
    assert f"impossible de joindre {closed} (rien n’y répond : la connexion est refusée)" in plain(result.output)
    reason = os_reason(socket.gaierror(socket.EAI_NONAME, "Name or service not known"))
    unknown = ConfigError("{key}: cannot reach {url} ({reason}): check the address", key="k", url="x", reason=reason)
    assert "impossible de joindre x (aucun serveur ne porte ce nom)" in said(unknown, "fr")


def test_config_check_connect_says_a_tls_error_as_tls_not_as_a_permission(tmp_path):
    """https:// on a server that speaks plain HTTP: OpenSSL's errno 1 is not EPERM (before: « permission
    refusée », sending the operator after a file's rights)."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def answer_in_plain_http() -> None:
        with server:
            connection, _ = server.accept()
            with connection:
                connection.recv(4096)
                connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    threading.Thread(target=answer_in_plain_http, daemon=True).start()
    address = f"https://127.0.0.1:{server.getsockname()[1]}"
    config = write(tmp_path, f'[matrix]\nhomeserver = "{address}"\nuser_id = "@r:example.org"\naccess_token = "x"\n')
    result = invoke(["--config", config, "config", "check", "--connect"], RELAIS_COMMUNITY_LANGUAGE="fr")
    output = plain(result.output)
    assert result.exit_code == 2 and f"impossible de joindre {address}" in output, output
    assert "permission" not in output and "SSL" in output, output


DEFAULT_CIRCLE_RUN = (
    '[community]\ndefault_circle = "{name}"\n[[circles]]\nname = "COPIL"\nchannels = ["slack:T0123/C0AAA"]\n'
    + ('[slack]\nbot_token = "xoxb-1"\napp_token = "xapp-1"\n[slack.channels]\nC0BBB = "GT Mobilité"\n')
)


def test_relais_run_refuses_a_default_circle_that_is_a_typo(tmp_path):
    """`relais run` and `relais config check` say a community.default_circle close to a circle but spelled
    otherwise (one of [[circles]] or of [slack.channels]) in one line, exit code 2, the database left unopened."""
    config = write(tmp_path, DEFAULT_CIRCLE_RUN.format(name="COPLI"))
    url = f"sqlite:///{tmp_path / 'r.db'}"
    for language, expected in (
        ("en", "there is no circle “COPLI”; did you mean “COPIL”?"),
        ("fr", "il n’y a pas d’instance « COPLI » ; vouliez-vous dire « COPIL » ?"),
    ):
        result = invoke(["--config", config, "run", "--db", url], RELAIS_COMMUNITY_LANGUAGE=language)
        assert result.exit_code == 2, result.output
        assert len(result.output.strip().splitlines()) == 1 and expected in plain(result.output), result.output
        check = invoke(["--config", config, "config", "check", "--db", url], RELAIS_COMMUNITY_LANGUAGE=language)
        assert check.exit_code == 2 and expected in plain(check.output), check.output
    assert not (tmp_path / "r.db").exists()
    typo = DEFAULT_CIRCLE_RUN.format(name="GT Mobilte")  # close to a circle of [slack.channels]
    check = invoke(["--config", write(tmp_path, typo), "config", "check", "--db", url], RELAIS_COMMUNITY_LANGUAGE="en")
    assert check.exit_code == 2 and "did you mean “GT Mobilité”?" in check.output, check.output


def test_an_existing_deployment_starts_with_the_default_circle_it_made_with_map(tmp_path):
    """A community whose COPIL was made with /map (not in the file), beside a declared GT: written as
    community.default_circle, every command starts as before the upgrade (123829f stopped them all with exit
    code 2), and direct chats go to that COPIL, not to a new circle."""
    before = '[community]\nfacilitators = ["console:camille"]\n[[circles]]\nname = "GT"\nchannels = ["console:gt"]\n'
    url = f"sqlite:///{tmp_path / 'r.db'}"
    config = write(tmp_path, before)
    made = invoke(
        ["--config", config, "chat", "--as", "camille", "--db", url], "/map COPIL\n", RELAIS_COMMUNITY_LANGUAGE="en"
    )
    assert made.exit_code == 0 and "COPIL" in made.output, made.output
    config = write(tmp_path, before.replace("[community]\n", '[community]\ndefault_circle = "COPIL"\n'))
    for language in ("en", "fr"):
        for args in (["config", "check"], ["db", "upgrade"], ["digest"]):
            result = invoke(["--config", config, *args, "--db", url], RELAIS_COMMUNITY_LANGUAGE=language)
            assert result.exit_code == 0 and "default_circle" not in result.output, (args, result.output)
    backup = invoke(["--config", config, "db", "backup", "--db", url, str(tmp_path / "copy.db")])
    assert backup.exit_code == 0, backup.output
    run = invoke(["--config", config, "run", "--db", url], RELAIS_COMMUNITY_LANGUAGE="en")
    assert "default_circle" not in run.output and "[matrix] or [slack]" in run.output, run.output  # the file read
    chat = invoke(
        ["--config", config, "chat", "--as", "dominique", "--db", url], "/whoami\n", RELAIS_COMMUNITY_LANGUAGE="en"
    )
    assert chat.exit_code == 0 and "Your circles: COPIL." in plain(chat.output), chat.output


@pytest.mark.parametrize(
    ("text", "circles"),
    [
        ('[community]\ndefault_circle = "Bureau"\n', "Bureau"),  # no circle declared: the default one is made
        *(  # far from every circle declared: the circle of direct chats, as before 123829f (which refused them)
            (
                f'[community]\ndefault_circle = "{name}"\n[[circles]]\nname = "COPIL"\nchannels = ["console:copil"]\n',
                name,
            )
            for name in ("Général", "General", "Tous", "Bureau")
        ),
        ('[[circles]]\nname = "COPIL"\nchannels = ["console:copil"]\n', "Général"),  # none named: Général
        ('[community]\ndefault_circle = "copil"\n[[circles]]\nname = "COPIL"\n', "COPIL"),  # however spelled
    ],
)
def test_a_first_start_makes_the_default_circle_it_is_given(tmp_path, text, circles):
    config = write(tmp_path, text)
    url = f"sqlite:///{tmp_path / 'r.db'}"
    result = invoke(["--config", config, "chat", "--as", "x", "--db", url], "/whoami\n", RELAIS_COMMUNITY_LANGUAGE="en")
    assert result.exit_code == 0, result.output
    assert f"Your circles: {circles}." in plain(result.output)


def test_a_circle_named_in_slack_channels_may_be_the_default_one():
    config = config_from_dict(
        {
            "community": {"default_circle": "GT Mobilité"},
            "circles": [{"name": "COPIL", "channels": ["slack:T0123/C0AAA"]}],
            "slack": {"bot_token": "xoxb-1", "app_token": "xapp-1", "channels": {"C0BBB": "GT Mobilité"}},
        }
    )
    assert config.default_circle == "GT Mobilité"
