#!/usr/bin/env python3
"""Writes the Good Worker 2023 data: the Nam Từ Liêm organisation (organisations/nam-tu-liem-2023.csv:
the city, the district and its 304 grassroots unions with their head counts) and the golden
simulation script (Tests/laurelTests/Fixtures/simulate/good-worker-2023.script.yaml): 6,687
grassroots Good Workers nominated, the district council's scores, the secret ballot on the 35.

The source (shared/seeds/002) gives 304 unions, 6,687 Good Workers = 30.6% of direct production
workers, 35 and 3. The split of the 21,853 workers between unions, the names and the scores are
made up from fixed formulas, so every run writes the same files:
    python3 scripts/generate-good-worker.py
"""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UNITS = 304
WORKERS = 21_853          # 6,687 / 30.6% (6,687.018 rounds down to 6,687)
GOOD_WORKERS = 6_687
WARDS = ["Mỹ Đình 1", "Mỹ Đình 2", "Mễ Trì", "Phú Đô", "Trung Văn", "Đại Mỗ", "Tây Mỗ", "Xuân Phương",
         "Phương Canh", "Cầu Diễn"]
KINDS = ["Công ty Cổ phần", "Công ty TNHH", "Trường Mầm non", "Trường Tiểu học", "Trường THCS", "Xí nghiệp",
         "Công ty Xây dựng", "Công ty Cơ khí", "Công ty May", "Công ty Dịch vụ"]
TRADES = ["cơ khí", "may", "xây dựng", "điện", "chế biến thực phẩm", "in", "vận tải", "dịch vụ"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Quang", "Ngọc", "Thanh", "Hữu", "Hồng"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Hương", "Khánh", "Lan", "Linh",
         "Long", "Mai", "Nam", "Nga", "Phong", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Yến"]
MEMBERS = ["hd/nguyen-van-hung", "hd/tran-thi-mai", "hd/le-quang-vinh", "hd/pham-thu-trang", "hd/do-minh-khoa",
           "hd/bui-thi-hoa", "hd/vu-tien-dat"]


def mix(*numbers):
    """A small multiplicative hash, the same on every run."""
    value = 2166136261
    for number in numbers:
        value = ((value ^ number) * 16777619) % 4294967296
    return value


def score(number, member, criterion):
    """A member's score of a Good Worker on a criterion, 4 to 10."""
    return 4 + mix(number, member, criterion) % 7


def organisation():
    counts = [40 + mix(unit, 1) % 65 for unit in range(UNITS)]
    # Scale to the district's total, then give the rounding remainder to the first unions.
    scaled = [count * WORKERS // sum(counts) for count in counts]
    for index in range(WORKERS - sum(scaled)):
        scaled[index % UNITS] += 1
    assert sum(scaled) == WORKERS
    lines = ["id,name,level,parent,members,direct-production-workers",
             "hanoi,Liên đoàn Lao động thành phố Hà Nội,city,,,",
             "nam-tu-liem,Liên đoàn Lao động quận Nam Từ Liêm,district,hanoi,,"]
    for unit in range(UNITS):
        name = f"Công đoàn cơ sở {KINDS[mix(unit, 2) % len(KINDS)]} số {unit + 1} phường {WARDS[unit % len(WARDS)]}"
        members = scaled[unit] + 10 + mix(unit, 3) % 60
        lines.append(f"cd-{unit + 1:03d},{name},grassroots,nam-tu-liem,{members},{scaled[unit]}")
    return lines, scaled


def script(workers):
    # Each union nominates about 30.6% of its workers; together exactly 6,687.
    share = [count * 306 // 1000 for count in workers]
    for index in range(GOOD_WORKERS - sum(share)):
        share[index % UNITS] += 1
    assert sum(share) == GOOD_WORKERS
    lines = ["# Good Worker 2023, Nam Từ Liêm: written by scripts/generate-good-worker.py; do not edit by hand.",
             "# Run with --organisation organisations/nam-tu-liem-2023.csv.",
             "- { at: 2023-03-01T08:00, command: launch }"]
    number = 0
    for unit in range(UNITS):
        for _ in range(share[unit]):
            number += 1
            day = 1 + number * 50 // GOOD_WORKERS  # 1 September to 20 October
            month, date = (9, day) if day <= 30 else (10, day - 30)
            name = f"{FAMILY[mix(number, 4) % len(FAMILY)]} {MIDDLE[mix(number, 5) % len(MIDDLE)]} {GIVEN[mix(number, 6) % len(GIVEN)]}"
            lines.append(f"- {{ at: 2023-{month:02d}-{date:02d}T{8 + number % 9:02d}:00, submit: {{ id: GW-{number}, kind: good-worker, "
                         f"unit: cd-{unit + 1:03d}, fields: {{ name: {name}, unit: cd-{unit + 1:03d}, "
                         f"trade: {TRADES[mix(unit, 7) % len(TRADES)]} }} }} }}")
    # Five of the seven council members score every Good Worker (two abstain: the quorum is 5).
    for index, member in enumerate(MEMBERS[:5]):
        sheet = ", ".join(f"GW-{n}: [{', '.join(str(score(n, index, c)) for c in range(3))}]"
                          for n in range(1, GOOD_WORKERS + 1))
        lines.append(f"- {{ at: 2023-11-{6 + index:02d}T09:00, scores: {{ member: {member}, entries: {{ {sheet} }} }} }}")
    return lines


def ballot_script(lines, nominees):
    """The secret ballot on the 35: six members vote in person, one is away; each approves four
    nominees in five."""
    for index, member in enumerate(MEMBERS[:6]):
        approve = [f"GW-{n}" for n in nominees if mix(n, index, 9) % 5 != 0]
        reject = [f"GW-{n}" for n in nominees if mix(n, index, 9) % 5 == 0]
        lines.append(f"- {{ at: 2023-11-15T{9 + index:02d}:00, vote: {{ member: {member}, approve: [{', '.join(approve)}], "
                     f"reject: [{', '.join(reject)}] }} }}")


def main():
    units, workers = organisation()
    with open(os.path.join(ROOT, "organisations/nam-tu-liem-2023.csv"), "w", encoding="utf-8") as file:
        file.write("\n".join(units) + "\n")
    lines = script(workers)
    # The district's 35: the review's weighted totals (4, 3, 3 over the five sheets), highest
    # first, ties to the earlier submission, as council-review and nominate compute them.
    totals = [(-sum(4 * score(n, m, 0) + 3 * score(n, m, 1) + 3 * score(n, m, 2) for m in range(5)), n)
              for n in range(1, GOOD_WORKERS + 1)]
    ballot_script(lines, [n for _, n in sorted(totals)[:35]])
    out = os.path.join(ROOT, "Tests/laurelTests/Fixtures/simulate/good-worker-2023.script.yaml")
    with open(out, "w", encoding="utf-8") as file:
        file.write("\n".join(lines) + "\n")
    print(f"wrote {len(units) - 1} units and {len(lines)} script lines")


if __name__ == "__main__":
    main()
