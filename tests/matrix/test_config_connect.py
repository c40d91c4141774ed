"""`relais config check --connect` on a real Synapse: the homeserver address, the access token and whose
it is, as an operator gets them wrong in their first hour (before: `config check` said the configuration
was in order, and `relais run` then failed or retried forever)."""

from __future__ import annotations

from collections.abc import Callable

from click.testing import CliRunner

from relais.cli import main

from .synapse import MatrixUser, SynapseServer, free_port


def check(tmp_path, homeserver: str, user_id: str, **env: str) -> tuple[int, str]:
    config = tmp_path / "relais.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "r.db"}"\n'
        f'[matrix]\nhomeserver = "{homeserver}"\nuser_id = "{user_id}"\n',
        encoding="utf-8",
    )
    environment = {"RELAIS_COMMUNITY_LANGUAGE": "fr", "RELAIS_MATRIX_ACCESS_TOKEN": None, **env}
    result = CliRunner().invoke(main, ["--config", str(config), "config", "check", "--connect"], env=environment)
    return result.exit_code, result.output.replace("\u00a0", " ").replace("\u202f", " ")


def test_config_check_connect_asks_the_homeserver(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path
) -> None:
    hs = synapse_server
    bot, alice = matrix_user("relais"), matrix_user("alice")
    token = {"RELAIS_MATRIX_ACCESS_TOKEN": bot.access_token}
    code, output = check(tmp_path, hs.base_url, bot.user_id, **token)
    assert code == 0 and "✓ La configuration est en ordre." in output, output

    code, output = check(tmp_path, hs.base_url, bot.user_id, RELAIS_MATRIX_ACCESS_TOKEN="syt_expired")
    assert code == 2 and "le serveur d’accueil refuse le jeton d’accès Matrix" in output, output

    code, output = check(tmp_path, hs.base_url, bot.user_id, RELAIS_MATRIX_ACCESS_TOKEN=alice.access_token)
    assert code == 2 and f"appartient à {alice.user_id}, pas à matrix.user_id {bot.user_id}" in output

    closed = f"http://127.0.0.1:{free_port()}"
    code, output = check(tmp_path, closed, bot.user_id, **token)
    assert code == 2 and f"matrix.homeserver : impossible de joindre {closed}" in output, output

    code, output = check(tmp_path, hs.base_url + "/element", bot.user_id, **token)
    assert code == 2 and "répond, mais pas comme un serveur d’accueil Matrix (HTTP 404)" in output, output

    code, output = check(tmp_path, hs.base_url, bot.user_id, RELAIS_MATRIX_PASSWORD="anything")
    assert code == 0, output  # the server takes passwords; no login is made (it would leave a device)
    assert not (tmp_path / "r.db").exists()


def test_relais_run_refuses_a_token_the_homeserver_refuses_before_it_opens_the_database(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path
) -> None:
    """Before: the database created and migrated, forty lines of log, then an English CRITICAL line."""
    hs = synapse_server
    bot, alice = matrix_user("relais"), matrix_user("alice")
    config = tmp_path / "relais.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "r.db"}"\n'
        f'[matrix]\nhomeserver = "{hs.base_url}"\nuser_id = "{bot.user_id}"\n',
        encoding="utf-8",
    )
    for token, said in (
        ("syt_expired", "le serveur d’accueil refuse le jeton d’accès Matrix"),
        (alice.access_token, f"le jeton d’accès Matrix appartient à {alice.user_id}"),
    ):
        environment = {"RELAIS_COMMUNITY_LANGUAGE": "fr", "RELAIS_MATRIX_ACCESS_TOKEN": token}
        result = CliRunner().invoke(main, ["--config", str(config), "run"], env=environment)
        output = result.output.replace("\u00a0", " ").replace("\u202f", " ")
        assert result.exit_code == 2 and len(output.strip().splitlines()) == 1 and said in output, output
        assert not (tmp_path / "r.db").exists()


def test_relais_run_with_a_wrong_password_ends_on_one_line_saying_why(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path
) -> None:
    """A password is only tried by the login itself: the log says it, and the last line, apart from the log,
    says why Relais stopped in the community's language (before: only the log's English CRITICAL line)."""
    bot = matrix_user("relais")
    config = tmp_path / "relais.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "r.db"}"\n'
        f'[matrix]\nhomeserver = "{synapse_server.base_url}"\nuser_id = "{bot.user_id}"\n',
        encoding="utf-8",
    )
    environment = {"RELAIS_COMMUNITY_LANGUAGE": "fr", "RELAIS_MATRIX_PASSWORD": "not-the-password"}
    result = CliRunner().invoke(main, ["--config", str(config), "run"], env=environment)
    last = result.output.strip().splitlines()[-1].replace("\u00a0", " ")
    assert result.exit_code == 1, result.output
    assert last.startswith("Relais s’est arrêté : connexion à Matrix refusée pour") and "M_FORBIDDEN" in last, last
    assert "vérifiez matrix.password" in last, last  # what to do, in French too
