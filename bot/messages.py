"""Every sentence reviewbot says to people, kept in one catalogue.

Keeping the texts together keeps the tone the same on Slack, Teams and the command line,
and leaves one place to translate. Texts are plain constants; a text that needs values is
a small function. Both platforms render `backticks` as code, so usage lines use them.

Add new texts under the topic they belong to (or a new topic header), not inline in code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.domain import Agreement, AgreementStatus, CheckIn, Review
from bot.ports import ModuleFigures

if TYPE_CHECKING:
    from bot.home import ReportRow

# --- Forms: validation of answers -------------------------------------------------------

FIELD_REQUIRED = "Please fill this in."
CHOICE_REQUIRED = "Please choose an option."
CHOICES_REQUIRED = "Please choose at least one option."
RATING_REQUIRED = "Please pick a rating from 1 to 5."
YES_NO_REQUIRED = "Please answer yes or no."
DATE_REQUIRED = "Please pick a date."
TIME_REQUIRED = "Please pick a time."
TASKS_REQUIRED = "Please add at least one task, one per line."

NOT_AN_OPTION = "Please choose one of the listed options."
NOT_A_NUMBER = "Please enter a number, such as 3 or 2.5 (digits, with a point for decimals)."
NOT_A_RATING = "Please pick a rating from 1 to 5."
NOT_YES_OR_NO = "Please answer yes or no."
NOT_A_DATE = "Please enter a date as YYYY-MM-DD, such as 2026-03-17."
NOT_A_TIME = "Please enter a time as HH:MM on the 24-hour clock, such as 14:30."
UNREADABLE_ANSWER = "This answer could not be read. Please enter it again."


def text_too_long(limit: int, length: int) -> str:
    return f"Please keep this to {limit} characters (it has {length})."


# --- Agreements: the concrete-agreement check -------------------------------------------

AGREEMENT_WHAT_MISSING = "Please say what will happen."
AGREEMENT_OWNER_MISSING = "Please choose who owns this: the employee, the manager or both."
AGREEMENT_DUE_MISSING = "Please pick a due date."
AGREEMENT_HOW_MISSING = "Please say how you will both know it happened."
AGREEMENT_WHAT_NAMES_NO_ACTION = (
    "Please say what will actually happen: who does what, and where or with whom."
)
AGREEMENT_HOW_NAMES_NOTHING = (
    "Please name something you can both check, such as a certificate, a sign-off or a date."
)


def agreement_what_too_short(minimum: int) -> str:
    return (
        f"Please describe it in at least {minimum} words, so you both remember later "
        "exactly what was agreed."
    )


def agreement_how_too_short(minimum: int) -> str:
    return (
        f"Please describe it in at least {minimum} words: what will you both be able to "
        "see or check?"
    )


def agreement_due_not_after_review(held_on: str) -> str:
    return f"The due date must be after the review date ({held_on})."


def agreement_what_vague(phrase: str, hint: str) -> str:
    return (
        f"Phrasings like “{phrase}” are hard to check later. Say what will concretely "
        f"happen, for example: {hint}"
    )


def agreement_how_vague(phrase: str, hint: str) -> str:
    return (
        f"Phrasings like “{phrase}” will not tell you whether it happened. Name something "
        f"you can both check, for example: {hint}"
    )


# --- Commands: usage and help -----------------------------------------------------------

COMMAND_USAGE = {
    "start": "`start @person [template]`",
    "prep": "`prep @person`",
    "salary": "`salary @person`",
    "checkin": "`checkin @person`",
    "show": "`show @person`",
    "list": "`list`",
    "summary": "`summary`",
    "help": "`help`",
}

HELP = "\n".join(
    [
        "Here is what I can do:",
        f"• {COMMAND_USAGE['start']}: record a development review (optionally with a template)",
        f"• {COMMAND_USAGE['prep']}: ask someone to prepare for their review",
        f"• {COMMAND_USAGE['salary']}: record a salary review, kept apart from development",
        f"• {COMMAND_USAGE['checkin']}: record the next check-in",
        f"• {COMMAND_USAGE['show']}: agreements, their status and the next check-in",
        f"• {COMMAND_USAGE['list']}: the reviews you may see, newest first",
        f"• {COMMAND_USAGE['summary']}: post the HR summary now (HR only)",
        "Name a person with an @mention, their e-mail address or their name.",
    ]
)

COMMAND_NOT_ONE_PERSON = "Please name one person, not a channel or a group."


def command_needs_person(verb: str) -> str:
    return (
        f"Whom do you mean? Usage: {COMMAND_USAGE[verb]}. Name the person with an "
        "@mention, their e-mail address or their name."
    )


def command_extra_words(verb: str, extra: str) -> str:
    return f"I did not understand “{_shortened(extra)}”. Usage: {COMMAND_USAGE[verb]}."


def command_bad_template_key(key: str) -> str:
    return (
        f"“{_shortened(key)}” is not a template key. Keys use lowercase letters, digits and "
        "underscores, such as `development`."
    )


def command_unknown(verb: str) -> str:
    return f"I don't know “{_shortened(verb)}”. {HELP}"


def _shortened(typed: str, limit: int = 40) -> str:
    """What the user typed, cut short so an echo of it stays one readable line."""
    return typed if len(typed) <= limit else typed[: limit - 1] + "…"


# --- Templates: checks on built-in and imported templates -------------------------------

TEMPLATE_NAME_MISSING = "the template needs a name"
TEMPLATE_NEEDS_MANAGER_FIELD = "the template needs at least one field with audience “manager”"
TEMPLATE_YAML_NOT_MAPPING = (
    "the file must describe one template: a mapping with key, name, kind and fields"
)
TEMPLATE_YAML_ALIASES = "YAML anchors and aliases (& and *) are not supported in templates"


def template_key_format(key: str, limit: int) -> str:
    return (
        f"key “{key}” must use only lowercase letters, digits and underscores, "
        f"at most {limit} characters"
    )


def template_label_missing(field_key: str) -> str:
    return f"field “{field_key}” needs a label"


def template_label_too_long(field_key: str, limit: int, length: int) -> str:
    return f"field “{field_key}”: the label must be at most {limit} characters (it has {length})"


def template_duplicate_key(field_key: str) -> str:
    return f"field key “{field_key}” is used more than once"


def template_option_count(field_key: str, low: int, high: int, count: int) -> str:
    return f"field “{field_key}” needs between {low} and {high} options (it has {count})"


def template_option_invalid(field_key: str, limit: int) -> str:
    return (
        f"field “{field_key}”: every option must be non-empty, unique and at most "
        f"{limit} characters"
    )


def template_options_not_allowed(field_key: str, field_type: str) -> str:
    return f"field “{field_key}”: a {field_type} field takes no options"


def template_salary_field(field_key: str, word: str) -> str:
    return (
        f"field “{field_key}” mentions “{word}”: a development template may not ask "
        "about pay; use a salary template for that"
    )


def template_too_many_fields(limit: int, count: int) -> str:
    return f"a template may have at most {limit} fields (it has {count})"


def template_yaml_syntax(problem: str) -> str:
    return f"this is not valid YAML: {problem}"


def template_yaml_duplicate(name: str) -> str:
    return f"“{name}” is given more than once"


# --- access and people -----------------------------------------------------------------

NO_ACCESS = "Sorry, you don't have access to that."
NOT_YOUR_OWN_REVIEW = "You can't hold your own review; your manager or HR starts it."
UNKNOWN_CALLER = (
    "I can't find you in the org chart yet. Ask HR to add you (with your work e-mail) "
    "and then try again."
)


def person_inactive(name: str) -> str:
    return f"{name} is no longer active in the org chart, so no review can be held with them."


def unknown_target(target: str) -> str:
    return (
        f"I couldn't find {target} in the org chart. Mention them (@name) or use their "
        "work e-mail; if they're new, ask HR to add them."
    )


# --- review form -------------------------------------------------------------------------

REVIEW_FORM_TITLE = "Development review"
REVIEW_READ_TITLE = "Review (read-only)"
PREPARE_FORM_TITLE = "Prepare your review"
SAVE = "Save"
CLOSE = "Close"
ADD_AGREEMENT = "Add agreement"
PREPARED_SECTION = "Their preparation"
ANSWERS_SECTION = "The conversation"
AGREEMENTS_SECTION = "Agreements"
AGREEMENTS_HELP = (
    "Each agreement says what will happen, who owns it, by when, and how you'll both know "
    "it happened. Leave a row empty to skip it."
)
CHECKIN_SECTION = "Check-in"
HELD_ON_LABEL = "Review date"
AGREEMENT_WHAT_PLACEHOLDER = "e.g. Sign up for the PMI course starting in March"
AGREEMENT_OWNER_LABEL = "Who owns it"
AGREEMENT_DUE_LABEL = "Due by"
AGREEMENT_HOW_LABEL = "How we'll know"
AGREEMENT_HOW_PLACEHOLDER = "e.g. Course certificate shared with your manager"
CHECKIN_DATE_LABEL = "Check-in date"
CHECKIN_TIME_LABEL = "Check-in time (your time zone)"
CHECKIN_MINUTES_LABEL = "Length (minutes)"
NO_PREVIOUS_AGREEMENTS = "No agreements from an earlier review."
PREVIOUS_AGREEMENTS = "Last time's agreements:"
NO_AGREEMENTS = "No agreements were recorded."
PREPARE_CONTEXT = (
    "Your manager asked you to prepare for your development review. Your answers are "
    "shared with your manager only (and HR)."
)

HELD_ON_IN_FUTURE = "The review date can't be in the future; record the review once it's held."
AT_LEAST_ONE_AGREEMENT = "Add at least one agreement: what, who, by when and how you'll know."
CHECKIN_IN_PAST = "Pick a check-in date and time that is still ahead."
SAVE_FAILED = "Saving didn't work this time and nothing was stored. Please press Save again."
FORM_OUTDATED = "This form is out of date. Please start again with /review."
NOTHING_TO_PREPARE = "This template has no questions for the employee to prepare."
PREPARATION_CLOSED = "This review has already been recorded, so there is nothing left to prepare."
SALARY_HAS_OWN_COMMAND = "Salary talks have their own command: /review salary @person."

_STATUS_WORDS = {
    AgreementStatus.OPEN: "open",
    AgreementStatus.IN_PROGRESS: "in progress",
    AgreementStatus.DONE: "done",
    AgreementStatus.BLOCKED: "blocked",
    AgreementStatus.DROPPED: "dropped",
}


def status_word(status: AgreementStatus) -> str:
    return _STATUS_WORDS[status]


def agreement_what_label(number: int) -> str:
    return f"Agreement {number}: what will happen"


def review_context(employee: str, manager: str, template: str, version: int) -> str:
    return f"Review of *{employee}* with {manager} · template {template} (v{version})"


def review_read_context(employee: str, held_on: dt.date) -> str:
    return f"Review of *{employee}*, held on {held_on.isoformat()}"


def agreement_line(agreement: Agreement) -> str:
    return (
        f"• {agreement.what} — {status_word(agreement.status)} "
        f"(owner {agreement.owner.value}, due {agreement.due_on.isoformat()})\n"
        f"    how we'll know: {agreement.how_we_know}"
    )


def unknown_template(key: str, available: Sequence[str]) -> str:
    names = ", ".join(sorted(available)) or "none"
    return f"There is no template called {key!r}. Available: {names}."


def same_day_as_other_kind(other_day: dt.date) -> str:
    return (
        "A salary talk is already recorded for that day; development and salary talks are "
        f"held on different days. How about {other_day.isoformat()}?"
    )


# --- messages after saving, preparing and asking ------------------------------------------

REVIEW_SAVED_HEADER = "Development review recorded"
PREPARE_BUTTON = "Prepare my answers"
OPEN_REVIEW_BUTTON = "Open full review"
NO_REVIEW_YET = "No development review has been recorded yet."
NO_CHECK_IN = "No check-in is booked."
NO_REVIEWS_VISIBLE = "There are no reviews you can see yet."
REVIEW_LIST_TITLE = "Reviews you can see, newest first"
PREPARATION_SAVED = "Thanks, your answers are saved. Your manager will see them in the review."
REVIEW_SAVED_ACK = "Saved. You'll both get a DM with the agreements and the check-in."


def review_saved(other_name: str, when: str) -> str:
    return f"Your review with {other_name} is recorded. Next check-in: {when}."


def check_in_length(check_in: CheckIn) -> str:
    return f"The check-in is booked for {check_in.minutes} minutes."


def next_check_in(when: str) -> str:
    return f"Next check-in: {when}"


def prepare_request(manager_name: str) -> str:
    return (
        f"{manager_name} would like you to prepare for your development review. "
        "It takes a few minutes; your answers go to your manager only."
    )


def prepare_sent(employee_name: str) -> str:
    return f"I've asked {employee_name} to prepare. Their answers will show up in the form."


def prepared_notice(employee_name: str) -> str:
    return f"{employee_name} has prepared for the review; /review start shows their answers."


def employee_not_on_slack(name: str) -> str:
    return f"I can't reach {name} on Slack yet, so I couldn't ask them to prepare."


def overview_title(employee_name: str) -> str:
    return f"Agreements of {employee_name}"


def review_list_line(review: Review, employee_name: str) -> str:
    return (
        f"• {review.held_on.isoformat()} · {employee_name} · {review.kind.value} · "
        f"{review.status.value}"
    )


# --- App Home --------------------------------------------------------------------------------

HOME_OWN_HEADER = "Your agreements"
HOME_TEAM_HEADER = "Your team"
HOME_HR_HEADER = "The module in figures"


def report_row(row: ReportRow) -> str:
    last = row.last_review_on.isoformat() if row.last_review_on else "no review yet"
    upcoming = row.next_check_in.starts_at.date().isoformat() if row.next_check_in else "none"
    flag = " · :warning: check-in overdue" if row.overdue else ""
    return (
        f"• *{row.employee.name}* · last review {last} · {row.open_agreements} open "
        f"agreement(s) · next check-in {upcoming}{flag}"
    )


def hr_figures(figures: ModuleFigures) -> str:
    return (
        f"{figures.active_people} active people · {figures.reviews_last_90_days} reviews in "
        f"the last 90 days · {figures.open_agreements} open agreements · "
        f"{figures.overdue_check_ins} overdue check-ins"
    )


# --- commands ---------------------------------------------------------------------------------


def not_available_yet(verb: str) -> str:
    return f"`{verb}` isn't available yet; it's on its way. `/review help` lists what works now."


SOMETHING_WENT_WRONG = "Something went wrong on my side and nothing was changed. Please try again."


# --- Check-ins -------------------------------------------------------------------------------

CHECK_IN_FORM_TITLE = "Record check-in"
CHECK_IN_RESULT_SECTION = "How it went"
CHECK_IN_OUTCOME_LABEL = "Outcome"
CHECK_IN_OUTCOME_HELP = (
    "held: record it and book the next check-in below. move: it hasn't happened yet; "
    "move it to the date below."
)
CHECK_IN_NOTES_LABEL = "Notes from the check-in"
AGREEMENT_NOTE_LABEL = "Note on this agreement (optional)"
CHECK_IN_ALREADY_RECORDED = "This check-in has already been recorded."
RECORD_CHECK_IN_BUTTON = "Record check-in"
STATUS_SAVED = "Status saved."


def agreement_status_label(what: str) -> str:
    return f"Status: {what}"[:1900]


def check_in_context(employee_name: str, when: str) -> str:
    return f"Check-in with *{employee_name}*, booked for {when} (your time zone)"


def no_check_in_booked(employee_name: str) -> str:
    return f"No check-in is booked for {employee_name}. A saved review books one."


def check_in_recorded(employee_name: str, next_when: str) -> str:
    return f"Check-in with {employee_name} recorded. Next check-in: {next_when}."


def check_in_moved(employee_name: str, when: str) -> str:
    return f"The check-in with {employee_name} moved to {when}."


def check_in_recorded_note(when: str) -> str:
    return f":white_check_mark: Recorded. Next check-in: {when}."


# --- Calendar ---------------------------------------------------------------------------------

# Invites get forwarded and land in shared calendars: names and times only, no agreements.
CALENDAR_DESCRIPTION = "Open reviewbot in Slack to see your agreements."


def calendar_summary(employee_name: str, manager_name: str) -> str:
    return f"Check-in: {employee_name} and {manager_name}"


def check_in_invite_title(other_name: str) -> str:
    return f"Check-in with {other_name}"


def check_in_invite_comment(other_name: str, *, moved: bool, cancelled: bool) -> str:
    if cancelled:
        return (
            f"Your check-in with {other_name} is cancelled. "
            "Open this file to take it off your calendar."
        )
    if moved:
        return (
            f"Your check-in with {other_name} has moved. Open this file to update your calendar."
        )
    return f"Here's your check-in with {other_name}. Open this file to add it to your calendar."


# --- Nudges ------------------------------------------------------------------------------------

# The first line of a nudge doubles as its notification text, which shows on lock screens:
# names and times only, never agreements.
NUDGE_STATUS_PLACEHOLDER = "Status"
NUDGE_AGREEMENTS_INTRO = "Where your agreements stand:"
NUDGE_UPDATE_STATUSES = "Update each agreement's status as you go through it:"


def nudge_prepare(other_name: str, when: str) -> str:
    return (
        f"Your check-in with {other_name} is coming up: {when}. "
        "A look at your agreements beforehand makes it a short, useful talk."
    )


def nudge_due(other_name: str, when: str) -> str:
    return f"Your check-in with {other_name} is today: {when}. Record it once you've met."


def nudge_overdue(employee_name: str, day: str) -> str:
    return (
        f"The check-in with {employee_name} on {day} hasn't been recorded yet. "
        "Record it now so the agreements stay on track."
    )


def nudge_missed_check_in(other_name: str, when: str) -> str:
    return (
        f"You missed a reminder while I was offline: your check-in with {other_name}, "
        f"{when}. If it has happened, please record it now."
    )


def nudge_missed_recording(employee_name: str, day: str) -> str:
    return (
        f"You missed a reminder while I was offline: the check-in with {employee_name} on "
        f"{day} still needs recording. Please record it now."
    )


def nudge_more_agreements(count: int) -> str:
    return f"…and {count} more. `/review show` lists them all."


# --- Teams -------------------------------------------------------------------------------------

TEAMS_WELCOME = "Hi, I'm reviewbot: I keep development reviews and their agreements on track."
TEAMS_PERSONAL_ONLY = (
    "Reviews are private, so I take commands only in a personal chat with me. In a team "
    "channel, HR can write `hr-channel` to have the HR summaries posted there."
)
TEAMS_HR_CHANNEL_REGISTERED = (
    "This channel now gets the HR summaries: counts, rates and manager names only, never "
    "answers or agreements."
)
TEAMS_HR_CHANNEL_HR_ONLY = "Only HR can make a channel the HR channel."
TEAMS_UNREADABLE_ACTION = (
    "I couldn't tell what that button was for; it may belong to an old message. "
    "Type `help` to see what I can do."
)
OPEN_REVIEW_FORM_BUTTON = "Open the review form"
SAVE_STATUS_BUTTON = "Save status"


def teams_start_prompt(employee_name: str) -> str:
    return f"The development review of {employee_name} is ready to record."


def teams_check_in_prompt(employee_name: str) -> str:
    return f"The next check-in with {employee_name} is ready to record."


def employee_not_on_teams(name: str) -> str:
    return (
        f"I can't reach {name} on Teams yet (they haven't opened a chat with me), so I "
        "couldn't ask them to prepare."
    )


def teams_not_available_yet(verb: str) -> str:
    return f"`{verb}` isn't available yet; it's on its way. Type `help` to see what works now."


def teams_nudge_more_agreements(count: int) -> str:
    return f"…and {count} more. Type `show` and the employee's name to see them all."
