#!/usr/bin/env python3
"""Writes the simulation scripts of the two video-clip contests in workflows/ (the golden runs of
Tests/laurelTests/Fixtures/simulate): every clip of the real contest submitted, then every jury
member's scores. Scores come from a fixed formula, so the script is the same on every run:
    python3 scripts/generate-contest-scripts.py
"""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests/laurelTests/Fixtures/simulate")


def score(clip, member, criterion):
    # A small multiplicative hash: scores from 4 to 10, spread so that few totals tie.
    value = (clip * 2654435761 + member * 40503 + criterion * 9973) % 4294967296
    return 4 + (value >> 13) % 7


def write(name, header, launch, clips, unit_field, submit_days, members, scoring_days, criteria):
    lines = [f"# {line}" for line in header] + [f"- {{ at: {launch}, command: launch }}"]
    for number, (title, unit) in enumerate(clips, start=1):
        day = submit_days[(number - 1) % len(submit_days)]
        lines.append(f"- at: {day}T{8 + number % 9:02d}:{(number * 7) % 60:02d}")
        lines.append(f"  submit: {{ id: clip-{number:02d}, kind: clip, unit: {unit}, "
                     f"fields: {{ title: \"{title}\", {unit_field}: {unit} }} }}")
    for index, (member, day) in enumerate(zip(members, scoring_days)):
        sheet = ", ".join(
            f"clip-{number:02d}: [{', '.join(str(score(number, index, c)) for c in range(criteria))}]"
            for number in range(1, len(clips) + 1))
        lines.append(f"- at: {day}T09:00")
        lines.append(f"  scores: {{ member: {member}, entries: {{ {sheet} }} }}")
    open(os.path.join(OUT, name), "w", encoding="utf-8").write("\n".join(lines) + "\n")


write("mid-shift-exercise-video-2023.script.yaml",
      ["The mid-shift exercise video contest of Hai Bà Trưng: 38 clips from grassroots unions, judged",
       "by a jury of five; 10 first, 10 second and 17 third prizes (shared/seeds/002)."],
      "2023-06-05T08:00",
      [(f"Thể dục giữa giờ tại công đoàn cơ sở số {n}", f"cdcs-{n:02d}") for n in range(1, 39)],
      "unit", [f"2023-{m:02d}-{d:02d}" for m, d in [(6, 15), (6, 28), (7, 10), (7, 24), (8, 7), (8, 21)]],
      ["jury/nguyen-thu-ha", "jury/tran-quoc-bao", "jury/le-minh-chau", "jury/pham-thi-lan", "jury/vu-duc-long"],
      ["2023-09-04", "2023-09-05", "2023-09-06", "2023-09-08", "2023-09-11"], 3)

write("happy-school-video-2023.script.yaml",
      ["The Happy School video contest of Hai Bà Trưng: 54 clips from the district's schools, judged",
       "by a jury of three; 2 special, 10 first, 15 second and 27 third prizes (shared/seeds/002)."],
      "2023-09-05T08:00",
      [(f"Trường học hạnh phúc — trường số {n}", f"truong-{n:02d}") for n in range(1, 55)],
      "school", [f"2023-{m:02d}-{d:02d}" for m, d in [(9, 20), (10, 4), (10, 18), (11, 1), (11, 10)]],
      ["jury/dang-thi-mai", "jury/bui-van-nam", "jury/ngo-thi-oanh"],
      ["2023-11-17", "2023-11-20", "2023-11-22"], 3)
