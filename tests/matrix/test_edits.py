"""An update of a posted item, rendered as a Matrix edit (`m.replace`): pure, no homeserver."""

from __future__ import annotations

from adapters.matrix.edits import edit_content


def test_an_edit_replaces_the_event_in_place_and_pings_nobody():
    content = edit_content("**#4 Mise à jour** de Claire (Mairie)\n@room <b>convention</b> signée", "$orig")
    assert content["m.relates_to"] == {"rel_type": "m.replace", "event_id": "$orig"}
    new = content["m.new_content"]
    assert "m.relates_to" not in new and new["m.mentions"] == {} and content["m.mentions"] == {}
    assert new["body"].startswith("#4 Mise à jour de Claire (Mairie)") and content["body"] == "* " + new["body"]
    assert "&lt;b&gt;convention&lt;/b&gt;" in new["formatted_body"]  # user text stays text
    assert content["formatted_body"].startswith("* <strong>#4 Mise à jour</strong>")


def test_a_long_edit_says_what_one_event_holds():
    content = edit_content("mot " * 20_000, "$orig", budget=2_000)
    assert content["m.new_content"]["body"].startswith("(1/")
    assert len(content["m.new_content"]["body"].encode()) < 2_000
