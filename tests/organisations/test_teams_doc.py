"""docs/teams.md's table of who may do what says what PERMISSIONS says, row for row."""

from pathlib import Path

from undersigned.organisations.access import PERMISSIONS, Action
from undersigned.organisations.models import Role

DOC = Path(__file__).parents[2] / "docs" / "teams.md"
ROLES = [Role.OWNER, Role.EDITOR, Role.MODERATOR, Role.VIEWER]


def table() -> dict[str, list[str]]:
    rows = {}
    for line in DOC.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] not in ("action", "---"):
            rows[cells[0]] = cells[1:]
    return rows


def test_the_docs_table_has_a_row_for_each_action_and_no_other() -> None:
    assert sorted(table()) == sorted(action.value for action in Action)


def test_each_row_says_which_roles_may() -> None:
    rows = table()
    for action in Action:
        said = {role for role, cell in zip(ROLES, rows[action.value], strict=True) if cell == "yes"}
        assert said == set(PERMISSIONS[action]), action


def test_owners_may_do_everything_and_viewers_only_read() -> None:
    assert all(Role.OWNER in roles for roles in PERMISSIONS.values())
    assert [a for a, roles in PERMISSIONS.items() if Role.VIEWER in roles] == [Action.VIEW]
