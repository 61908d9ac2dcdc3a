#!/usr/bin/env python3
"""Writes docs/diagnostics.md: every diagnostic code with a real example and the fix.

The examples are the golden outputs of Tests/laurelTests/Fixtures, so the page shows exactly
what `laurel validate` prints. Run it after adding a code or changing a message:
    python3 scripts/generate-diagnostics-doc.py
"""
import glob
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests/laurelTests/Fixtures")

# (code, summary, how to fix). The order is DiagnosticCode.all's.
CODES = [
    ("yaml-syntax", "The text is not valid YAML.", "Look at the caret: quote text that contains `: ` or starts with `@`, `` ` ``, `*`, `&`; indent with spaces, never tabs; close every quote, `[` and `{`."),
    ("duplicate-key", "A key is written twice in one mapping (also: two states with one name).", "Keep one of the two. YAML does not merge them, and Laurel refuses to guess which one you meant."),
    ("complex-key", "A key is a list or a mapping.", "Keys are plain names such as `phase-1`; remove the `?` or the brackets."),
    ("unknown-alias", "`*name` refers to no `&name` above it.", "Define the anchor with `&name` before the alias, or write the value out."),
    ("alias-limit", "Aliases expand to more than 1,000,000 nodes (the \"billion laughs\").", "Remove the nested aliases; a workflow never needs this."),
    ("depth-limit", "Lists and mappings are nested more than 64 deep.", "Check the indentation; real workflows nest fewer than 10 levels."),
    ("size-limit", "The file is larger than 4 MB.", "Split the campaign into several workflow files."),
    ("invalid-encoding", "The file is not UTF-8.", "Save the file with the UTF-8 encoding (in most editors: Save As, Encoding: UTF-8)."),
    ("nul-byte", "The file contains a NUL byte, so it is not a text file.", "Save it again as plain UTF-8 text; the file may be a word-processor document."),
    ("multiple-documents", "A `---` starts a second document.", "Put each campaign in a file of its own."),
    ("empty-file", "The file holds nothing but blanks and comments.", "Start the file with `laurel: 1` and the keys of docs/workflow-language.md."),
    ("unreadable-file", "The file cannot be read.", "Check that the path is right and that you may read the file."),
    ("csv-syntax", "An organisation CSV file is not valid CSV: a quote not closed, a quote inside an unquoted cell, text after a closing quote.", "Put a cell that holds a comma or a quote in double quotes, and write a quote inside it twice (`\"Công ty \"\"Sao Mai\"\"\"`)."),
    ("unsupported-version", "`laurel:` is not the number 1.", "Write `laurel: 1` (no quotes) on the first line."),
    ("missing-key", "A required key is absent.", "Add the key; docs/workflow-language.md and `laurel plugins` list what each place requires."),
    ("unknown-key", "A key the language does not define, often a typo.", "Use the suggested key, or remove it. The message lists the allowed keys when no suggestion is close."),
    ("wrong-type", "A value of the wrong form: a list where a name is expected, a quoted number, `yes` for a boolean.", "Write the value in the form the message expects; booleans are only `true`/`false`, numbers have no quotes and no thousands separators."),
    ("invalid-value", "A value of the right form but outside what the key allows.", "Choose one of the values the message lists, or a number in range."),
    ("invalid-date", "Not a date or date-time, or a day that does not exist.", "Write dates as `2022-05-31` and date-times as `2022-05-31T17:00`, optionally with an offset such as `+07:00`."),
    ("invalid-duration", "Not an ISO 8601 duration.", "Write `P14D` for 14 days, `P2W` for 2 weeks, `P1M` for a month, `PT2H` for 2 hours."),
    ("invalid-cron", "Not `month`/`quarter`/`half-year`/`year` or a valid five-field cron expression.", "Five fields: minute (0-59), hour (0-23), day of month (1-31), month (1-12 or JAN-DEC), day of week (0-7 or SUN-SAT). The caret shows the field that is wrong."),
    ("unknown-timezone", "Not an IANA time zone name.", "Use an Area/City name: `Asia/Ho_Chi_Minh` for Vietnam (there is no `Asia/Hanoi`)."),
    ("conflicting-keys", "Keys that cannot be used together, such as `final: true` with `step`.", "Keep the one that says what you mean; the note says which to remove."),
    ("unknown-state", "A target names a state that is not defined.", "Use the suggested name or define the state under `states:`."),
    ("unknown-entry-kind", "`accepts`, a metric or a step names an entry kind not under `entries:`.", "Use the suggested name or define the kind under `entries:`."),
    ("unknown-metric", "A step or an `if:` names a metric not under `metrics:`.", "Use the suggested name or define the metric."),
    ("unknown-council", "A step names a council not under `councils:`.", "Use the suggested name or define the council with its members."),
    ("unknown-event", "A timer's `send:` names an event not under `events:`.", "Declare the event under `events:`."),
    ("unknown-step", "`step:` names no plugin of this build.", "Use one of the kinds `laurel plugins` lists."),
    ("unknown-field", "A metric sums a field the entry kind does not have.", "Use the suggested field name or add the field to the entry kind."),
    ("unknown-outcome", "An `on:` key is neither an outcome of the state's step nor a declared event.", "Use an outcome from `laurel plugins`, or declare the event under `events:`."),
    ("unhandled-outcome", "The step can end with an outcome that `on:` does not lead anywhere.", "Add a line under `on:` for each outcome (or `next:` when the step has only one)."),
    ("ambiguous-next", "`next:` on a step that has several outcomes.", "Replace `next:` by `on:` with one key per outcome."),
    ("branch-order", "Guarded branches without a final fallback, or a fallback before other branches.", "End the list with one branch that has only `goto:`."),
    ("unreachable-state", "No path from `initial` leads to this state.", "Lead to it with `next`, `on` or a timer's `goto`, or remove it."),
    ("no-way-out", "A state that is not final but has no step, no `on:` and no timer with `goto:`.", "Add `final: true` if the campaign ends there, or say how it moves on."),
    ("no-final-state", "No final state can be reached, so a campaign never ends.", "Add a state with `final: true` and lead to it."),
    ("quorum-too-large", "The quorum needs more members than the council has.", "Lower the quorum or add members."),
    ("duplicate-member", "A council lists a member twice.", "Remove the second entry."),
    ("duplicate-id", "An organisation file (or the files of one import) gives the same unit id or person id twice; or two workflow files of one folder have the same `id:`, so the daemon could not tell which to start.", "Give each unit, person and workflow its own id; if the two rows are the same unit, delete one; move a backup copy of a workflow file out of the folder."),
    ("unknown-unit", "A unit's `parent`, or a person's `unit`, names a unit that no file of the import defines.", "Correct the id, define the unit, or import the units file in the same command\n(`laurel org import units.csv people.csv`)."),
    ("unit-cycle", "Units are each other's parents, directly or through others, so none of them is under the top.", "One unit of the loop must have no parent (the top) or a parent outside the loop."),
    ("expression-syntax", "An `if:` that cannot be read.", "Compare with `==`, `!=`, `<`, `<=`, `>`, `>=`; join with `and`, `or`, `not`; put texts in quotes and spaces around `-`."),
    ("unknown-name", "An `if:` uses a name that does not exist here (an input, an outcome value, a namespace).", "Use `metrics.NAME`, `inputs.NAME`, `outcome.NAME` (only where a step's outcome is handled) or `now`."),
    ("type-mismatch", "Operands of the wrong type, or a condition that is not true/false.", "Compare numbers with numbers, dates with dates; a condition must be a comparison or a boolean."),
    ("invalid-parameter", "A step's own check of its parameters failed (two tiers with one name, ...).", "Follow the message; `laurel plugins` describes each parameter."),
    ("deadline-passed", "Warning: a deadline is already in the past.", "Move the deadline, or ignore the warning for a campaign you are recording after the fact (`--as-of` judges against another date)."),
    ("deadlines-out-of-order", "Warning: a state that follows another has an earlier deadline.", "Check the dates; the later phase usually ends later."),
    ("waits-forever", "Warning: a state (other than the initial one) waits only for an administrator, with no timer.", "Add a timer as a fallback, so the campaign moves on if nobody acts."),
    ("cannot-finish", "Warning: from this state no final state can be reached.", "Lead the loop to a final state."),
    ("comment-in-text", "Warning: a text of several words is followed by ` #` on its line, which YAML reads as a comment, so the text stops there.", "Put the whole text in quotes (`message: \"Đã nhận 50 sáng kiến # tuần 1\"`), or move the comment to a line of its own."),
]

# Organisation files are not workflow fixtures; these are what `laurel org import` prints for
# them (the same texts OrganisationTests checks).
HANDWRITTEN = {
    "duplicate-id": "u.csv:3:1: error: the unit id 'q1' is given twice [duplicate-id]\n 3 | q1,Quận 1,district,\n   | ^\n    note: first given here (u.csv:2:1)\n",
    "unknown-unit": "people.csv:2:17: error: person 'p1' is in the unit 'q2', which is not defined (did you mean 'q1'?) [unknown-unit]\n 2 | p1,Phạm Văn Bảy,q2,council;chair\n   |                 ^\n    note: import the units file together with the people file\n",
    "unit-cycle": "org.yaml:4:42: error: the units a -> b -> a are each other's parents [unit-cycle]\n 4 |   a: { name: A, level: district, parent: b }\n   |                                          ^\n    note: one unit of the loop must have no parent, or a parent outside it\n",
    "size-limit": "big.yaml:1:1: error: the file is 20.0 MB; a workflow file may be at most 4.0 MB [size-limit]\n    note: split the campaign into several workflow files\n",
    "csv-syntax": "units.csv:3:14: error: a double quote inside a cell that does not start with one; put the whole cell in double quotes and write the quote twice (\"\") [csv-syntax]\n 3 | cd-1,Công ty \"Sao Mai\",grassroots,q1\n   |              ^\n",
    "unreadable-file": "locked.yaml:1:1: error: the file cannot be read; check that it exists and you may read it [unreadable-file]\n",
}


def examples():
    found = {}
    for path in sorted(glob.glob(os.path.join(FIXTURES, "*", "*.expected"))):
        text = open(path, encoding="utf-8").read().replace("\0", "\u2400")
        # Split into diagnostics: each starts with a `file:line:col: error|warning:` line.
        blocks = re.split(r"(?m)^(?=\S+:\d+:\d+: (?:error|warning): )", text)
        for block in blocks:
            match = re.search(r"\[([a-z-]+)\]\n", block)
            if match and match.group(1) not in found:
                found[match.group(1)] = block
    return found


def main():
    found = examples()
    out = ["# Diagnostics", "",
           "`laurel validate` reports every problem of a file at once, in the form compilers use:",
           "", "```", "FILE:LINE:COLUMN: error: MESSAGE [CODE]", " LINE | the source line", "      |    ^ (under the column)",
           "    note: more help", "```", "",
           "Errors stop a file from running; warnings do not. With `--format json` the same diagnostics come as a",
           "JSON array of objects with `file`, `line`, `column`, `severity`, `code`, `message` and `notes`.",
           "Exit status: 0 when no file has an error, 1 when one does, 2 when the command line is wrong.",
           "", "The examples below are the real output for the broken files in `Tests/laurelTests/Fixtures`",
           "(generated by `scripts/generate-diagnostics-doc.py`).", ""]
    for code, summary, fix in CODES:
        example = found.get(code) or HANDWRITTEN.get(code)
        if example is None:
            raise SystemExit(f"no example for {code}: add a fixture")
        out += [f"### `{code}`", "", summary, "", "```", example.rstrip("\n"), "```", "", f"**Fix:** {fix}", ""]
    open(os.path.join(ROOT, "docs/diagnostics.md"), "w", encoding="utf-8").write("\n".join(out))


if __name__ == "__main__":
    main()
