import Foundation
import LaurelCore
import LaurelYAML
import Testing

@Suite("Organisation data")
struct OrganisationTests {
    static let yaml = """
        laurel-organisation: 1
        levels: [city, district, grassroots]
        units:
          hanoi: { name: Hà Nội, level: city }
          ntl: { name: Nam Từ Liêm, level: district, parent: hanoi }
          md1: { name: Mỹ Đình 1, level: grassroots, parent: ntl, counts: { direct-production-workers: 410 } }
          xp: { name: Xuân Phương, level: grassroots, parent: ntl, counts: { direct-production-workers: 300 } }
        people:
          an: { name: Nguyễn Văn An, unit: md1, roles: [council] }
          binh: { name: Trần Thị Bình, unit: ntl }
        """

    static func read(yaml text: String) -> OrganisationReader.Result {
        var reader = OrganisationReader()
        reader.read(yaml: Array(text.utf8), file: "org.yaml")
        return reader.finish()
    }

    @Test("a YAML file gives units, people and the lookups quotas and cascades need")
    func readsYAML() throws {
        let result = Self.read(yaml: Self.yaml)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.message))")
        let organisation = try #require(result.organisation)
        #expect(organisation.levels == ["city", "district", "grassroots"])
        #expect(organisation.units(atLevel: "grassroots", under: "hanoi").map(\.id) == ["md1", "xp"])
        #expect(organisation.count("direct-production-workers", in: "hanoi") == 710)
        #expect(organisation.isWithin("md1", "hanoi") && !organisation.isWithin("hanoi", "md1"))
        #expect(organisation.person("an")?.roles == ["council"] && organisation.people(in: "ntl").map(\.id) == ["binh"])
    }

    @Test("a person's id may have one prefix, as councils list members (hd/nguyen-van-hung); two are refused")
    func prefixedPersonIDs() throws {
        let ok = Self.read(
            yaml: Self.yaml.replacingOccurrences(
                of: "  binh: { name: Trần Thị Bình, unit: ntl }",
                with: "  hd/binh: { name: Trần Thị Bình, unit: ntl }"))
        #expect(ok.diagnostics.isEmpty, "\(ok.diagnostics.map(\.message))")
        #expect(ok.organisation?.person("hd/binh")?.unit == "ntl")
        let twice = Self.read(
            yaml: Self.yaml.replacingOccurrences(
                of: "  binh: { name: Trần Thị Bình, unit: ntl }", with: "  a/b/binh: { name: Trần Thị Bình, unit: ntl }"
            ))
        #expect(twice.diagnostics.map(\.code) == [.invalidValue])
        #expect(twice.diagnostics.first?.notes.map(\.message).contains { $0.contains("one prefix") } == true)
        let unit = Self.read(yaml: Self.yaml.replacingOccurrences(of: "  xp: {", with: "  x/p: {"))
        #expect(unit.diagnostics.contains { $0.code == .invalidValue }, "a unit's id has no prefix")
    }

    @Test("CSV files of units and people read into one organisation; cells are located by line and column")
    func readsCSV() throws {
        var reader = OrganisationReader()
        reader.read(
            csv: "id,name,level,parent,members\nhanoi,Hà Nội,city,,\nq1,\"Quận 1, Hà Nội\",district,hanoi,1_200\n",
            file: "units.csv")
        reader.read(csv: "\u{FEFF}id,name,unit,roles\r\np1,Phạm Văn Bảy,q1,council; chair\r\n", file: "people.csv")
        let result = reader.finish()
        let organisation = try #require(result.organisation, "\(result.diagnostics.map(\.message))")
        #expect(
            organisation.unit("q1")?.name == "Quận 1, Hà Nội" && organisation.unit("q1")?.counts == ["members": 1_200])
        #expect(organisation.person("p1")?.roles == ["council", "chair"])

        var bad = OrganisationReader()
        bad.read(csv: "id,name,level,members\nq1,Quận 1,district,12x\nq1,Quận 1,district,\n", file: "u.csv")
        let problems = bad.finish()
        #expect(problems.organisation == nil)
        #expect(problems.diagnostics.map(\.code) == [.wrongType, .duplicateID])
        #expect(problems.diagnostics.map(\.location.description) == ["u.csv:2:20", "u.csv:3:1"])
    }

    @Test(
        "a loop of parents, an unknown parent, an unknown level and a person in no unit are each reported where written"
    )
    func reportsMistakes() {
        let result = Self.read(
            yaml: """
                laurel-organisation: 1
                levels: [city, district, grassroots]
                units:
                  a: { name: A, level: district, parent: b }
                  b: { name: B, level: grasroots, parent: a }
                  c: { name: C, level: grassroots, parent: nam-tu-lim }
                people:
                  p: { name: P, unit: cc }
                """)
        #expect(result.organisation == nil)
        #expect(result.diagnostics.map(\.code) == [.unitCycle, .invalidValue, .unknownUnit, .unknownUnit])
        #expect(result.diagnostics.map(\.location.line) == [4, 5, 6, 8])
        #expect(result.diagnostics[1].message.contains("did you mean 'grassroots'"))
        #expect(result.diagnostics[3].message.contains("did you mean 'c'"))
        let upsideDown = Self.read(
            yaml: """
                laurel-organisation: 1
                levels: [city, district]
                units:
                  d: { name: D, level: district }
                  c: { name: C, level: city, parent: d }
                """)
        #expect(upsideDown.diagnostics.map(\.code) == [.invalidValue])
        #expect(Self.read(yaml: "laurel-organisation: 2\nunits: {}\n").diagnostics.map(\.code) == [.unsupportedVersion])
    }

    @Test("Vietnamese collation: the alphabet's own letters, then tones, NFC and NFD alike")
    func vietnameseOrder() {
        let names = [
            "Trần Thị Bình", "Đặng Thị Hà", "Âu Minh Châu", "Dương Văn Đức", "Nguyễn Văn An", "Ánh", "Anh", "Ảnh",
            "Zoe", "An",
        ]
        #expect(
            VietnameseCollation.sorted(names, by: { $0 }) == [
                "An", "Anh", "Ảnh", "Ánh", "Âu Minh Châu", "Dương Văn Đức", "Đặng Thị Hà", "Nguyễn Văn An",
                "Trần Thị Bình", "Zoe",
            ])
        // "Đ" (U+0110) is a letter after "D", not after "Z" as in code-point order.
        #expect(
            ["Zoe", "Đào"].sorted() == ["Zoe", "Đào"]
                && VietnameseCollation.sorted(["Zoe", "Đào"], by: { $0 }) == ["Đào", "Zoe"])
        let decomposed = "A\u{0302}u"  // Â written as A + combining circumflex
        #expect(VietnameseCollation.key(decomposed) == VietnameseCollation.key("Âu"))
        #expect(VietnameseCollation.key("lê văn") < VietnameseCollation.key("Lê Văn"), "lower case first")
    }

    @Test("numbers inside names sort as numbers, whatever their length or leading zeros")
    func numbersSortAsNumbers() {
        let names = [
            "Công đoàn số 124", "Công đoàn số 14", "Công đoàn số 12", "Công đoàn số 2", "Công đoàn số 012",
            "Công đoàn sở",
        ]
        #expect(
            VietnameseCollation.sorted(names, by: { $0 }) == [
                "Công đoàn số 2", "Công đoàn số 12", "Công đoàn số 012", "Công đoàn số 14", "Công đoàn số 124",
                "Công đoàn sở",
            ])
    }

    @Test("a Vietnamese word in ASCII, as ids are written")
    func ascii() {
        #expect(VietnameseCollation.ascii("phát-động") == "phat-dong")
        #expect(VietnameseCollation.ascii("Cđ Mỹ Đình 1") == "Cd-My-Dinh-1")
        #expect(VietnameseCollation.ascii("Ưu tiên Ơn Ăn Âu Êm Ôm") == "Uu-tien-On-An-Au-Em-Om")
    }
}
