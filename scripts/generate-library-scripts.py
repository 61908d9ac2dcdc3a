#!/usr/bin/env python3
"""Writes the simulation scripts of four shipped workflows (the golden runs of
Tests/laurelTests/Fixtures/simulate): quarterly-recognition, trade-union-award-22-7,
fecon-initiatives-2024 and good-at-work-good-at-home-2022. Every number comes from a fixed
formula, so the scripts are the same on every run:
    python3 scripts/generate-library-scripts.py
Entries meant to fall short (of a screening criterion or a pass mark) are chosen here, so the
real campaign's counts come out: 11 staff commended in a quarter, 17 FECON initiatives
recognised and 13 applied, 188 women commended.
"""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests/laurelTests/Fixtures/simulate")


def spread(*numbers):
    """A small multiplicative hash in 0..6: different for each combination, fixed forever."""
    value = 0
    for number in numbers:
        value = (value * 2654435761 + number * 40503 + 9973) % 4294967296
    return (value >> 13) % 7


def write(name, header, lines):
    text = "\n".join([f"# {line}" for line in header] + lines) + "\n"
    open(os.path.join(OUT, name), "w", encoding="utf-8").write(text)


def sheet_line(at, member, sheet):
    body = ", ".join(f"{entry}: [{', '.join(str(v) for v in values)}]" for entry, values in sheet)
    return [f"- at: {at}", f"  scores: {{ member: {member}, entries: {{ {body} }} }}"]


def scores(strong, entry, member, criteria):
    """Scores out of 10: 8 to 10 for a strong entry, 4 to 7 for a weak one."""
    if strong:
        return [8 + spread(entry, member, c) % 3 for c in range(criteria)]
    return [4 + spread(entry, member, c) % 4 for c in range(criteria)]


# Quarterly recognition: the cycle of 1 April 2025 (the first after the default start).
staff = [("Nguyễn Văn An", "ban-to-chuc"), ("Trần Thị Bình", "ban-tuyen-giao"), ("Lê Minh Châu", "van-phong"),
         ("Phạm Quốc Dũng", "ban-thanh-nien"), ("Hoàng Thị Giang", "van-phong"), ("Vũ Đức Hải", "ban-to-chuc"),
         ("Đặng Thu Hà", "ban-quoc-te"), ("Bùi Văn Khánh", "ban-tuyen-giao"), ("Ngô Thị Lan", "ban-thanh-nien"),
         ("Đỗ Minh Long", "ban-quoc-te"), ("Phan Thị Mai", "van-phong"), ("Trịnh Văn Nam", "ban-to-chuc"),
         ("Lý Thị Oanh", "ban-tuyen-giao"), ("Tạ Quang Phúc", "ban-thanh-nien"), ("Hồ Thị Quyên", "ban-quoc-te"),
         ("Mai Văn Sơn", "van-phong")]
ratings = ["excellent"] * 13 + ["good", "good", "fair"]
weak = {4, 9}  # rated excellent, but below the council's pass mark
lines = []
for n, ((person, unit), rating) in enumerate(zip(staff, ratings), start=1):
    lines.append(f"- at: 2025-04-{2 + n % 8:02d}T{8 + n % 9:02d}:{(n * 7) % 60:02d}")
    lines.append(f"  submit: {{ id: nv-{n:02d}, kind: evaluation, unit: {unit}, "
                 f"fields: {{ name: \"{person}\", unit: {unit}, rating: {rating} }} }}")
members = ["hd/nguyen-thanh-tam", "hd/le-thi-huong", "hd/pham-duc-anh", "hd/tran-minh-thu", "hd/do-van-kien"]
for m, member in enumerate(members):
    sheet = [(f"nv-{n:02d}", scores(n not in weak, n, m, 3)) for n in range(1, 14)]
    lines += sheet_line(f"2025-04-{12 + m % 4:02d}T09:00", member, sheet)
write("quarterly-recognition.script.yaml",
      ["Quarterly recognition at the Central Youth Union agency trade union, the cycle of 1 April 2025:",
       "16 evaluations, 13 rated excellent, scored by the emulation council of five; 11 reach the",
       "pass mark and are commended with a certificate and 500,000 VND each (shared/seeds/003)."],
      lines)

# Trade Union Award 22.7: the cycle of 22 July 2025.
provinces = ["ha-noi", "hai-phong", "quang-ninh", "nam-dinh", "thanh-hoa", "nghe-an", "hue", "da-nang",
             "quang-nam", "khanh-hoa", "dak-lak", "lam-dong", "ho-chi-minh", "dong-nai", "can-tho", "an-giang"]
given = ["Lan", "Hùng", "Mai", "Tuấn", "Hoa", "Dũng", "Thảo", "Minh", "Hương", "Quang", "Yến", "Sơn"]
family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"]
lines = []
nominees = 24
short_service = {5, 13, 20}  # fewer than 3 years as a union official
for n in range(1, nominees + 1):
    province = provinces[(n * 5) % len(provinces)]
    years = 2 if n in short_service else 3 + spread(n, 1) % 12
    name = f"{family[n % len(family)]} Thị {given[n % len(given)]}" if n % 2 else f"{family[n % len(family)]} Văn {given[n % len(given)]}"
    lines.append(f"- at: 2025-{9 + n % 4:02d}-{3 + n % 25:02d}T{8 + n % 9:02d}:{(n * 11) % 60:02d}")
    lines.append(f"  submit: {{ id: de-cu-{n:02d}, kind: nominee, unit: cdgd-{province}, fields: {{ name: \"{name}\", "
                 f"unit: cdgd-{province}, years-as-official: {years}, initiative: \"Sáng kiến số {n} trong hoạt động công đoàn\" }} }}")
council = ["hd/nguyen-ngoc-an", "hd/vu-thi-binh", "hd/tran-van-cuong", "hd/le-thi-dung", "hd/pham-quang-em",
           "hd/hoang-thi-giang", "hd/dang-van-hai", "hd/bui-thi-khanh", "hd/ngo-minh-long"]
eligible = [n for n in range(1, nominees + 1) if n not in short_service]
weak_nominees = {2, 8, 15, 22}
for m, member in enumerate(council):
    sheet = [(f"de-cu-{n:02d}", scores(n not in weak_nominees, n, m, 3)) for n in eligible]
    lines += sheet_line(f"2026-03-{24 + m % 5:02d}T09:00", member, sheet)
# The secret ballot: every member for the strongest; the last few get fewer than 6 votes of 9.
passing = [n for n in eligible if n not in weak_nominees]
for m, member in enumerate(council):
    approve = [f"de-cu-{n:02d}" for i, n in enumerate(passing) if i < 12 or (i + m) % 3 == 0]
    reject = [f"de-cu-{n:02d}" for i, n in enumerate(passing) if not (i < 12 or (i + m) % 3 == 0)]
    lines.append(f"- at: 2026-04-{6 + m % 3:02d}T{9 + m:02d}:00")
    lines.append(f"  vote: {{ member: {member}, approve: [{', '.join(approve)}], reject: [{', '.join(reject)}] }}")
write("trade-union-award-22-7.script.yaml",
      ["Vietnam Trade Union Award 22.7, the cycle of 22 July 2025: 24 nominees from provincial",
       "education unions, 3 screened out (under 3 years as officials), scored by the award council of",
       "nine with z-score normalisation and a pass mark, then a secret ballot at two thirds of all",
       "members (shared/seeds/001)."],
      lines)

# FECON initiatives 2024.
areas = ["construction", "design", "equipment", "management", "safety"]
units = ["phong-ky-thuat", "ban-thi-cong", "phong-thiet-bi", "xuong-co-khi", "phong-an-toan", "ban-du-an"]
topics = ["Cải tiến quy trình ép cọc", "Khuôn đúc cọc bê tông", "Giám sát lún bằng cảm biến", "Tối ưu lịch thi công",
          "Thiết bị khoan nhồi cải tiến", "Bảo trì máy đóng cọc", "Quản lý vật tư công trường", "Tường vây tiết kiệm thép"]
lines = ["- { at: 2024-01-15T08:00, command: launch }"]
proposals = 24
weak_initiatives = {3, 7, 12, 16, 19}  # below the Scientific Council's pass mark
for n in range(1, proposals + 1):
    unit = units[n % len(units)]
    lines.append(f"- at: 2024-{2 + n % 9:02d}-{1 + (n * 3) % 27:02d}T{8 + n % 9:02d}:{(n * 13) % 60:02d}")
    lines.append(f"  submit: {{ id: sk-{n:02d}, kind: initiative, unit: {unit}, fields: {{ title: \"{topics[n % len(topics)]} ({n})\", "
                 f"unit: {unit}, author: \"Tổ sáng kiến {unit}\", area: {areas[n % len(areas)]} }} }}")
scientific = ["hdkh/pham-viet-khoa", "hdkh/nguyen-thi-lan", "hdkh/tran-duc-minh", "hdkh/le-van-nghia", "hdkh/vu-thi-oanh"]
for m, member in enumerate(scientific):
    sheet = [(f"sk-{n:02d}", [v - 1 if n in weak_initiatives else v for v in scores(n not in weak_initiatives, n, m, 3)])
             for n in range(1, proposals + 1)]
    lines += sheet_line(f"2024-11-{4 + m * 2:02d}T14:00", member, sheet)
lines.append("- { at: 2024-11-20T10:00, command: approve }")
applied = [1, 2, 4, 5, 6, 8, 9, 10, 11, 13, 14, 15, 17]
for i, n in enumerate(applied):
    lines.append(f"- at: 2025-{1 + i % 5:02d}-{10 + i:02d}T15:00")
    lines.append(f"  submit: {{ id: ad-{i + 1:02d}, kind: application, fields: {{ initiative: sk-{n:02d}, "
                 f"project: \"Dự án {i + 1}\", savings-vnd: {(40 + spread(n, 7) * 25) * 1_000_000} }} }}")
write("fecon-initiatives-2024.script.yaml",
      ["FECON's initiative movement, 2024: 24 proposals, assessed by the Scientific Council of five",
       "(19 pass), approved by the board, 17 recognised (2 first, 5 second, 10 recognised); then 13",
       "applications in practice reported, three in four as in 13 years (220 / 160, shared/seeds/000)."],
      lines)

# Good at work, good at home 2022.
lines = ["- { at: 2022-06-01T08:00, command: launch }"]
total = 205
ineligible = {n for n in range(1, total + 1) if n % 23 == 0}  # 8 without one of the two titles
below = {n for n in range(1, total + 1) if n % 23 != 0 and n % 22 == 7}  # 9 below the pass mark
names = ["Nguyễn Thị", "Trần Thị", "Lê Thị", "Phạm Thị", "Hoàng Thị", "Vũ Thị", "Đặng Thị", "Bùi Thị"]
given = ["An", "Bích", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hương", "Lan", "Liên", "Mai", "Nga", "Oanh", "Phương", "Thảo", "Yến"]
for n in range(1, total + 1):
    unit = f"cdcs-hbt-{1 + n % 60:02d}"
    good_labour = "false" if n in ineligible and n % 2 else "true"
    family = "false" if n in ineligible and not n % 2 else "true"
    lines.append(f"- at: 2022-{6 + n % 4:02d}-{2 + n % 27:02d}T{8 + n % 9:02d}:{(n * 7) % 60:02d}")
    lines.append(f"  submit: {{ id: gvn-{n:03d}, kind: nomination, unit: {unit}, fields: {{ name: \"{names[n % 8]} {given[n % 16]}\", "
                 f"unit: {unit}, good-labour-title: {good_labour}, cultured-family: {family} }} }}")
committee = ["bnc/nguyen-thi-an", "bnc/tran-thi-bich", "bnc/le-thi-chi", "bnc/pham-thi-dao", "bnc/hoang-thi-en"]
for m, member in enumerate(committee):
    sheet = [(f"gvn-{n:03d}", scores(n not in below, n, m, 3)) for n in range(1, total + 1) if n not in ineligible]
    lines += sheet_line(f"2022-10-{17 + m:02d}T09:00", member, sheet)
write("good-at-work-good-at-home-2022.script.yaml",
      ["Good at state work, good at home work 2022 in Hai Bà Trưng: 205 nominations, 8 without the",
       "Good Labour title or a cultured family, 197 scored by the women's committee of five; 188 reach",
       "the pass mark and are commended (shared/seeds/002)."],
      lines)

# Workers' Month and "Thank you to workers": the cycle of 1 May 2025.
schools = ["cd-thpt-chu-van-an", "cd-thpt-viet-duc", "cd-dh-su-pham", "cd-thcs-nguyen-du", "cd-th-le-ngoc-han",
           "cd-mn-hoa-sen", "cd-dh-bach-khoa", "cd-cd-su-pham", "cd-thpt-kim-lien", "cd-thcs-trung-vuong",
           "cd-th-dich-vong", "cd-mn-tuoi-hoa"]
roles = ["contract-worker", "driver", "service-staff", "staff", "lecturer"]
family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
middle = ["Văn", "Thị", "Minh", "Thu", "Đức", "Ngọc"]
given = ["An", "Bình", "Cúc", "Dũng", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Long", "Mai", "Nam", "Phúc", "Quý", "Sơn", "Tâm", "Thảo", "Yến"]
total = 72
new_here = {n for n in range(1, total + 1) if n % 12 == 5}  # 6 in their first year: screened out
lines = []
for n in range(1, total + 1):
    school = schools[n % len(schools)]
    years = 0 if n in new_here else 1 + (n * 7) % 25
    difficult = "true" if n % 5 == 0 else "false"
    lines.append(f"- at: 2025-05-{2 + n % 18:02d}T{8 + n % 9:02d}:{(n * 11) % 60:02d}")
    lines.append(f"  submit: {{ id: nld-{n:03d}, kind: worker, unit: {school}, fields: {{ name: \"{family[n % 10]} {middle[n % 6]} {given[n % 18]}\", "
                 f"unit: {school}, role: {roles[n % 5]}, years-of-service: {years}, difficult-circumstances: {difficult} }} }}")
committee = ["btv/nguyen-thi-hanh", "btv/tran-van-khoa", "btv/le-thu-lan", "btv/pham-minh-nghia", "btv/vu-thi-oanh"]
for m, member in enumerate(committee):
    # Contribution 6 to 10; circumstances 8 to 10 for those in difficulty, 3 to 6 for the others.
    sheet = [(f"nld-{n:03d}", [6 + spread(n, m, 0) % 5, (8 + spread(n, m, 1) % 3) if n % 5 == 0 else (3 + spread(n, m, 1) % 4)])
             for n in range(1, total + 1) if n not in new_here]
    lines += sheet_line(f"2025-05-{22 + m % 3:02d}T{9 + m:02d}:00", member, sheet)
write("workers-month.script.yaml",
      ["Workers' Month 2025 and the \"Thank you to workers\" programme of the Education Trade Union",
       "(shared/seeds/001): 72 workers nominated by 12 school unions by 20 May, 6 in their first year",
       "screened out, 66 scored by the Standing Committee of five; 60 thanked: 10 with special support",
       "(3,000,000 VND), 50 with a gift (1,000,000 VND), 80,000,000 VND in all."],
      lines)
