"""The staff list: names for e-mail addresses, and what it says of rows it cannot use."""

from hypothesis import given
from hypothesis import strategies as st

from sheets_schema.issues import Severity
from sheets_schema.staff import NO_STAFF, parse


def staff(*rows, header=("E-mail", "Name", "Role")):
    return parse([list(header), *map(list, rows)], source="roster.xlsx", tab="Staff")


def test_names_and_roles_by_lowercase_address():
    found, issues = staff(
        ("Ada.Okoro@School.example", "Ada  Okoro", "Teacher"),
        ("mailto:sam@school.example", "Sam Rivera", None),
    )

    assert issues == []
    assert found.name("ada.okoro@school.example") == "Ada Okoro"
    assert found.name(" ADA.OKORO@school.example ") == "Ada Okoro"
    assert found.named(["sam@school.example", "x@school.example"]) == (
        "Sam Rivera",
        "x@school.example",  # not listed: the address is shown
    )
    assert found.roles == {"ada.okoro@school.example": "Teacher"}


def test_rows_it_cannot_use_are_warnings_naming_the_cell():
    found, issues = staff(
        ("not an address", "Someone", "Tutor"),
        ("ada@school.example", None, "Teacher"),
        ("sam@school.example", "Sam Rivera", "Tutor"),
        ("sam@school.example", "Samuel Rivera", "Tutor"),
    )

    assert found.names == {"sam@school.example": "Sam Rivera"}
    assert [(i.cell, i.severity) for i in issues] == [
        ("A2", Severity.WARNING),
        ("B3", Severity.WARNING),
        ("B5", Severity.WARNING),
    ]
    assert "first as 'Sam Rivera'" in issues[2].problem


def test_a_tab_without_its_columns_names_nobody_and_stops_nothing():
    found, issues = staff(("ada@school.example", "Ada"), header=("Who", "What"))

    assert found == NO_STAFF
    assert issues and all(i.severity == Severity.WARNING for i in issues)
    assert not any(i.source_unusable for i in issues)


cells = st.one_of(st.none(), st.text(max_size=12), st.integers(), st.emails())


@given(st.lists(st.tuples(cells, cells, cells), max_size=8))
def test_any_typed_rows_give_names_of_their_own_rows_or_warnings(rows):
    found, issues = staff(*rows)

    typed_names = {" ".join(str(row[1]).split()) for row in rows if row[1] is not None}
    assert set(found.names.values()) <= typed_names
    assert all(i.severity == Severity.WARNING for i in issues)
