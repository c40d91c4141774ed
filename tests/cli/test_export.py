"""`relais export actions`: what the README sells it for — a spreadsheet that opens right, with everything."""

from __future__ import annotations

import csv
import io

from click.testing import CliRunner

from relais.cli import main


def run(args: list[str], stdin: str = "", env: dict[str, str] | None = None):
    return CliRunner().invoke(main, args, input=stdin, env=env, catch_exceptions=False)


def test_the_roadmap_has_every_column_and_opens_right_when_redirected(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    run(
        ["chat", "--as", "alice", "--now", "2026-11-26T10:00", "--db", url],
        "/engage Réserver la salle d'ici vendredi\n"
        "/edit #1 résultat Salle de 40 places\n"
        "/edit #1 humaines 2 bénévoles\n"
        "/update #1 Devis reçu 40%\n"
        "/engage Atelier\n"
        "/done #3 Fait\n",
    )
    raw = run(["export", "actions", "--format", "csv", "--db", url]).output  # as with `> roadmap.csv`
    assert raw.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(raw.removeprefix("\ufeff"))))
    first, done = rows[0], rows[1]
    assert first["progress"] == "40" and first["expected_result"] == "Salle de 40 places"
    assert first["resources_human"] == "2 bénévoles" and first["completed_at"] == ""
    assert done["status"] == "done" and done["completed_at"].startswith("2026-11-26T10:00")


def test_formulas_are_neutralised_on_every_line_of_a_cell():
    from bot.export import FIELDS, to_csv

    row = dict.fromkeys(FIELDS, "")
    row.update(number=1, title="=SOMME(A1)", expected_result='Salle\n=HYPERLINK("http://x")\n+1')
    text = to_csv([row])
    (parsed,) = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert parsed["title"] == "'=SOMME(A1)"
    assert parsed["expected_result"] == "Salle\n'=HYPERLINK(\"http://x\")\n'+1"


def test_export_of_the_demo(tmp_path):
    result = run(["export", "actions", "--demo", "--format", "json", "--db", f"sqlite:///{tmp_path / 'demo.db'}"])
    assert result.exit_code == 0 and '"number"' in result.output


def test_a_wrong_community_name_is_said_with_exit_2(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    run(["chat", "--as", "alice", "--db", url], "/engage Rapport\n")
    result = CliRunner().invoke(main, ["export", "actions", "--db", url], env={"RELAIS_COMMUNITY_NAME": "Autre nom"})
    assert result.exit_code == 2
    assert "n’a aucun engagement" in result.output and "Communauté d'action" in result.output


def test_an_export_to_a_folder_that_does_not_exist_is_one_line_not_a_traceback(tmp_path):
    """Before: `relais export actions --output rapports/roadmap.csv` (a folder not made yet) ended in a Python
    traceback (FileNotFoundError); so did the meetings' calendar."""
    url = f"sqlite:///{tmp_path / 'r.db'}"
    run(["chat", "--as", "alice", "--db", url], "/engage Rapport\n")
    missing = tmp_path / "rapports" / "roadmap.csv"
    for command in (["export", "actions"], ["export", "meetings", "--format", "ics"]):
        result = CliRunner().invoke(main, [*command, "--db", url, "--output", str(missing)], env={"LANG": "C"})
        assert result.exit_code == 2, result.output
        said = result.output.replace("\u00a0", " ")
        assert said == f"impossible d’écrire {missing} : ce fichier ou ce dossier n’existe pas\n", said


def test_an_export_to_a_dash_goes_to_the_standard_output(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    run(["chat", "--as", "alice", "--db", url], "/engage Rapport\n")
    result = CliRunner().invoke(main, ["export", "actions", "--format", "json", "--db", url, "--output", "-"])
    assert result.exit_code == 0 and '"title": "Rapport"' in result.output
