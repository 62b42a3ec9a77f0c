from pathlib import Path

import pytest

from adapters.org.csv_import import (
    ImportProblem,
    OrgImportError,
    format_problems,
    read_org_csv,
)
from bot.domain import Role
from bot.ports import PersonRow

HEADER = "email,name,manager_email,role,timezone,slack_user_id,teams_user_id\n"
TEAMS_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"


def write_csv(tmp_path: Path, text: str, *, name: str = "org.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def problems_of(path: Path, **kwargs: object) -> list[ImportProblem]:
    with pytest.raises(OrgImportError) as raised:
        read_org_csv(path, **kwargs)  # type: ignore[arg-type]
    return raised.value.problems


def test_a_valid_file_becomes_rows_in_file_order(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        HEADER
        + "ceo@example.com,Carla Ceo,,hr,Europe/Stockholm,U0CEO1,\n"
        + f"dev@example.com,Dan Dev,ceo@example.com,,,,{TEAMS_ID}\n",
    )

    chart = read_org_csv(path)

    assert chart.rows == [
        PersonRow(
            email="ceo@example.com",
            name="Carla Ceo",
            role=Role.HR,
            timezone="Europe/Stockholm",
            slack_user_id="U0CEO1",
        ),
        PersonRow(
            email="dev@example.com",
            name="Dan Dev",
            manager_email="ceo@example.com",
            role=Role.EMPLOYEE,
            teams_user_id=TEAMS_ID,
        ),
    ]


def test_only_email_and_name_columns_are_required(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "email,name\nann@example.com,Ann\n")

    chart = read_org_csv(path)

    assert chart.rows == [PersonRow(email="ann@example.com", name="Ann")]


def test_header_names_are_case_insensitive_trimmed_and_in_any_order(tmp_path: Path) -> None:
    path = write_csv(tmp_path, " Name , EMAIL ,Manager_Email\nAnn,ann@example.com,\n")

    chart = read_org_csv(path)

    assert chart.rows == [PersonRow(email="ann@example.com", name="Ann")]


def test_values_are_trimmed_and_emails_lower_cased(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "email,name,manager_email,role\n"
        + "  Boss@Example.COM ,  Bo Boss ,,  HR \n"
        + " Ann@Example.com,Ann, BOSS@example.com ,Employee\n",
    )

    chart = read_org_csv(path)

    assert [(r.email, r.name, r.manager_email, r.role) for r in chart.rows] == [
        ("boss@example.com", "Bo Boss", None, Role.HR),
        ("ann@example.com", "Ann", "boss@example.com", Role.EMPLOYEE),
    ]


def test_a_byte_order_mark_before_the_header_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("email,name\r\nasa@example.com,Åsa Öberg\r\n".encode("utf-8-sig"))

    chart = read_org_csv(path)

    assert chart.rows == [PersonRow(email="asa@example.com", name="Åsa Öberg")]


def test_blank_lines_are_skipped_but_still_counted_in_line_numbers(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "email,name\n\nann@example.com,Ann\n   \n,,\nbad-email,Bob\n\n")

    problems = problems_of(path)

    assert problems == [
        ImportProblem(6, "email", "'bad-email' is not a valid e-mail address"),
    ]


def test_a_quoted_value_spanning_lines_keeps_later_line_numbers_right(tmp_path: Path) -> None:
    path = write_csv(tmp_path, 'email,name\nann@example.com,"Ann\nAndersson"\nbob@,Bob\n')

    problems = problems_of(path)

    assert [(p.line, p.column) for p in problems] == [(4, "email")]


def test_missing_trailing_values_read_as_empty(tmp_path: Path) -> None:
    path = write_csv(tmp_path, HEADER + "ann@example.com,Ann\n")

    chart = read_org_csv(path)

    assert chart.rows == [PersonRow(email="ann@example.com", name="Ann")]


def test_a_line_with_more_values_than_columns_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "email,name\nann@example.com,Ann,,\nbob@example.com,Bob,extra\n")

    problems = problems_of(path)

    assert problems == [
        ImportProblem(3, None, "the line has 3 values but the header has 2 columns"),
    ]


def test_missing_required_columns_are_named(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "manager_email,role\nboss@example.com,hr\n")

    problems = problems_of(path)

    assert problems == [
        ImportProblem(1, None, "required column(s) missing: email, name"),
    ]


def test_a_misspelt_column_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "email,name,manger_email\nann@example.com,Ann,\n")

    problems = problems_of(path)

    assert problems == [
        ImportProblem(
            1, "manger_email", "unknown column 'manger_email'; did you mean manager_email?"
        ),
    ]


def test_a_column_given_twice_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "email,name,Email\nann@example.com,Ann,ann@example.com\n")

    problems = problems_of(path)

    assert problems == [ImportProblem(1, "email", "column email appears twice")]


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "\n\n")

    problems = problems_of(path)

    assert problems == [ImportProblem(None, None, "the file has no header")]


def test_a_file_with_only_a_header_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path, HEADER + "\n")

    problems = problems_of(path)

    assert problems == [ImportProblem(None, None, "the file lists nobody below its header")]


def test_a_file_that_is_not_utf8_is_refused_at_the_line_of_the_first_bad_byte(
    tmp_path: Path,
) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("email,name\nann@example.com,Ann\nasa@example.com,Åsa\n".encode("latin-1"))

    problems = problems_of(path)

    assert [(p.line, p.column) for p in problems] == [(3, None)]
    assert "not UTF-8" in problems[0].message


def test_a_missing_file_is_reported_as_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.csv"

    problems = problems_of(path)

    assert [(p.line, p.column) for p in problems] == [(None, None)]
    assert problems[0].message.startswith("cannot read the file")


@pytest.mark.parametrize(
    "email",
    [
        "ann",
        "ann@",
        "@example.com",
        "ann@example",
        "ann@@example.com",
        "a b@example.com",
        "ann@exa_mple.com",
        "ann.@example.com",
        "ann@-example.com",
        "Ann <ann@example.com>",
    ],
)
def test_a_bad_email_is_refused(tmp_path: Path, email: str) -> None:
    path = write_csv(tmp_path, f"email,name\n{email},Ann\n")

    problems = problems_of(path)

    assert problems == [
        ImportProblem(2, "email", f"{email.lower()!r} is not a valid e-mail address"),
    ]


@pytest.mark.parametrize(
    "email", ["ann@example.com", "ann.lee+reviews@mail.example.co.uk", "o'neil@xn--bcher-kva.se"]
)
def test_ordinary_emails_are_accepted(tmp_path: Path, email: str) -> None:
    path = write_csv(tmp_path, f"email,name\n{email},Ann\n")

    chart = read_org_csv(path)

    assert [row.email for row in chart.rows] == [email]


def test_an_empty_email_and_an_empty_name_are_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "email,name\n,Ann\nbob@example.com,  \n")

    problems = problems_of(path)

    assert problems == [
        ImportProblem(2, "email", "email is empty"),
        ImportProblem(3, "name", "name is empty"),
    ]


def test_a_name_too_long_to_store_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path, f"email,name\nann@example.com,{'A' * 201}\n")

    problems = problems_of(path)

    assert problems == [ImportProblem(2, "name", "name is longer than 200 characters")]


def test_a_duplicate_email_names_both_lines(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path, "email,name\nann@example.com,Ann\nbob@example.com,Bob\nANN@example.com,Ann 2\n"
    )

    problems = problems_of(path)

    assert problems == [
        ImportProblem(4, "email", "duplicate e-mail ann@example.com (also on line 2)"),
    ]


def test_a_duplicate_slack_user_id_names_both_lines(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "email,name,slack_user_id\nann@example.com,Ann,U111\nbob@example.com,Bob,u111\n",
    )

    problems = problems_of(path)

    assert problems == [
        ImportProblem(3, "slack_user_id", "duplicate slack_user_id U111 (also on line 2)"),
    ]


def test_a_duplicate_teams_user_id_names_both_lines(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "email,name,teams_user_id\n"
        + f"ann@example.com,Ann,{TEAMS_ID}\nbob@example.com,Bob,{TEAMS_ID.upper()}\n",
    )

    problems = problems_of(path)

    assert problems == [
        ImportProblem(3, "teams_user_id", f"duplicate teams_user_id {TEAMS_ID} (also on line 2)"),
    ]


def test_a_slack_user_id_held_by_a_stored_person_outside_the_file_is_refused(
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path, "email,name,slack_user_id\nann@example.com,Ann,U111\n")

    problems = problems_of(path, stored_slack_ids={"old@example.com": "U111"})

    assert problems == [
        ImportProblem(2, "slack_user_id", "slack_user_id U111 already belongs to old@example.com"),
    ]


def test_a_slack_user_id_stays_with_its_stored_holder_whatever_their_line_says(
    tmp_path: Path,
) -> None:
    path = write_csv(
        tmp_path,
        "email,name,slack_user_id\nann@example.com,Ann,U111\nold@example.com,Old,U222\n",
    )

    problems = problems_of(path, stored_slack_ids={"old@example.com": "U111"})

    assert problems == [
        ImportProblem(2, "slack_user_id", "slack_user_id U111 already belongs to old@example.com"),
    ]


def test_a_stored_person_may_keep_their_own_slack_user_id(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "email,name,slack_user_id\nold@example.com,Old,U111\n")

    chart = read_org_csv(path, stored_slack_ids={"old@example.com": "U111"})

    assert [row.slack_user_id for row in chart.rows] == ["U111"]


def test_a_slack_user_id_kept_by_a_stored_person_whose_line_leaves_it_empty_is_refused(
    tmp_path: Path,
) -> None:
    path = write_csv(
        tmp_path,
        "email,name,slack_user_id\nann@example.com,Ann,U111\nold@example.com,Old,\n",
    )

    problems = problems_of(path, stored_slack_ids={"old@example.com": "U111"})

    assert [(p.line, p.column) for p in problems] == [(2, "slack_user_id")]


def test_user_ids_of_the_wrong_shape_are_refused(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "email,name,slack_user_id,teams_user_id\nann@example.com,Ann,ann,29:1abc\n",
    )

    problems = problems_of(path)

    assert problems == [
        ImportProblem(2, "slack_user_id", "'ANN' is not a Slack user id (like U012AB3CD)"),
        ImportProblem(2, "teams_user_id", "'29:1abc' is not a Teams user id (an AAD object id)"),
    ]


def test_an_unknown_manager_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "email,name,manager_email\nann@example.com,Ann,ghost@example.com\n")

    problems = problems_of(path)

    assert problems == [
        ImportProblem(
            2,
            "manager_email",
            "unknown manager ghost@example.com: nobody in this file has that e-mail",
        ),
    ]


def test_a_manager_already_stored_is_accepted(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "email,name,manager_email\nann@example.com,Ann,Boss@example.com\n")

    chart = read_org_csv(path, known_emails={"boss@example.com"})

    assert chart.rows[0].manager_email == "boss@example.com"


def test_a_manager_later_in_the_file_is_accepted(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "email,name,manager_email\nann@example.com,Ann,boss@example.com\nboss@example.com,Bo,\n",
    )

    chart = read_org_csv(path)

    assert [row.manager_email for row in chart.rows] == ["boss@example.com", None]


def test_a_badly_written_manager_email_is_refused_once(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "email,name,manager_email\nann@example.com,Ann,boss@\n")

    problems = problems_of(path)

    assert problems == [
        ImportProblem(2, "manager_email", "manager 'boss@' is not a valid e-mail address"),
    ]


def test_a_person_who_is_their_own_manager_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "email,name,manager_email\nann@example.com,Ann,ANN@example.com\n")

    problems = problems_of(path)

    assert problems == [
        ImportProblem(2, "manager_email", "ann@example.com is given as their own manager"),
    ]


def test_a_reporting_cycle_is_listed_in_order_with_its_lines(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "email,name,manager_email\n"
        + "top@example.com,Top,\n"
        + "c@example.com,C,a@example.com\n"
        + "a@example.com,A,b@example.com\n"
        + "x@example.com,X,top@example.com\n"
        + "b@example.com,B,c@example.com\n",
    )

    problems = problems_of(path)

    assert problems == [
        ImportProblem(
            3,
            "manager_email",
            "reporting cycle: c@example.com -> a@example.com -> b@example.com -> c@example.com"
            " (lines 3, 4, 6)",
        ),
    ]


def test_a_reporting_cycle_through_a_stored_person_is_refused(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "email,name,manager_email\nann@example.com,Ann,boss@example.com\n",
    )

    problems = problems_of(
        path,
        known_emails={"boss@example.com"},
        stored_managers={"boss@example.com": "ann@example.com"},
    )

    assert problems == [
        ImportProblem(
            2,
            "manager_email",
            "reporting cycle: ann@example.com -> boss@example.com -> ann@example.com (lines 2)"
            "; already stored, not in this file: boss@example.com",
        ),
    ]


def test_a_stored_manager_is_overridden_by_the_persons_line_in_the_file(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "email,name,manager_email\nann@example.com,Ann,boss@example.com\nboss@example.com,Bo,\n",
    )

    chart = read_org_csv(path, stored_managers={"boss@example.com": "ann@example.com"})

    assert [row.email for row in chart.rows] == ["ann@example.com", "boss@example.com"]


def test_an_unknown_time_zone_is_refused(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "email,name,timezone\n"
        + "ann@example.com,Ann,Europe/Oslo\nbob@example.com,Bob,Europe/Gothenburg\n"
        + "cid@example.com,Cid,../etc/passwd\n",
    )

    problems = problems_of(path)

    assert [(p.line, p.column) for p in problems] == [(3, "timezone"), (4, "timezone")]
    assert "unknown time zone 'Europe/Gothenburg'" in problems[0].message


def test_an_unknown_role_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "email,name,role\nann@example.com,Ann,manager\n")

    problems = problems_of(path)

    assert problems == [
        ImportProblem(2, "role", "unknown role 'manager'; use employee or hr"),
    ]


def test_every_problem_in_the_file_is_listed_in_line_order(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        HEADER
        + "ann@example.com,Ann,ghost@example.com,,,,\n"
        + "not-an-email,Bob,,,,,\n"
        + "cid@example.com,,,boss,Mars/Olympus,,\n"
        + "ann@example.com,Ann again,,,,,\n"
        + "dan@example.com,Dan,dan@example.com,,,,\n",
    )

    problems = problems_of(path)

    assert [(p.line, p.column) for p in problems] == [
        (2, "manager_email"),
        (3, "email"),
        (4, "name"),
        (4, "role"),
        (4, "timezone"),
        (5, "email"),
        (6, "manager_email"),
    ]


def test_an_unknown_column_does_not_hide_the_problems_of_the_lines(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "email,name,department\nann@,Ann,Sales\n")

    problems = problems_of(path)

    assert [(p.line, p.column) for p in problems] == [(1, "department"), (2, "email")]


def test_fifty_thousand_lines_are_read_with_progress_reports(tmp_path: Path) -> None:
    size = 50_000
    lines = [HEADER, "p0@example.com,Person 0,,hr,Europe/Stockholm,,\n"]
    lines += [
        f"p{i}@example.com,Person {i},p{(i - 1) // 8}@example.com,,Europe/Oslo,U{i:06d},\n"
        for i in range(1, size)
    ]
    path = write_csv(tmp_path, "".join(lines))
    reports: list[tuple[int, int]] = []

    chart = read_org_csv(path, progress=lambda done, total: reports.append((done, total)))

    assert len(chart.rows) == size
    assert chart.rows[-1].manager_email == f"p{(size - 2) // 8}@example.com"
    assert reports[0] == (1_000, size)
    assert reports[-1] == (size, size)
    assert len(reports) == size // 1_000 + 1


def test_problems_are_formatted_as_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "org.csv"
    problems = [
        ImportProblem(None, None, "the file has no header"),
        ImportProblem(7, "email", "email is empty"),
    ]

    lines = format_problems(problems, path)

    assert lines == [f"{path}: the file has no header", f"{path}:7: email is empty"]
