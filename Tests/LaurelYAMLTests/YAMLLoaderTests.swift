import LaurelYAML
import Testing

@Suite struct YAMLLoaderTests {
    private func load(_ text: String, limits: YAMLLimits = .workflowFile) -> YAMLLoadResult {
        YAMLLoader.load(text, file: "t.yaml", limits: limits)
    }

    @Test("every node knows its 1-based line and column")
    func locations() throws {
        let root = try #require(load("a: 1\nb:\n  - x\n  - { c: 'd' }\n").root)
        #expect(root.location == SourceLocation(file: "t.yaml", line: 1, column: 1))
        let b = try #require(root["b"]?.sequence)
        #expect(b[0].location == SourceLocation(file: "t.yaml", line: 3, column: 5))
        let c = try #require(b[1]["c"])
        #expect(c.location == SourceLocation(file: "t.yaml", line: 4, column: 10))
        #expect(c.scalar == YAMLScalar(text: "d", style: .singleQuoted))
    }

    @Test("columns count characters, not bytes, after Vietnamese text")
    func columnsCountCharacters() throws {
        let root = try #require(load("tên: Sáng kiến\nđơn-vị: { mã: x }\n").root)
        let unit = try #require(root["đơn-vị"]?["mã"])
        #expect(unit.location.column == 15)
    }

    @Test(
        "scalars stay text: YAML 1.1 booleans, octals and floats are not converted",
        arguments: ["no", "on", "off", "yes", "0755", "1e3", "~", "2022-05-31", "0x1F", ".inf"])
    func scalarsAreUntyped(_ text: String) throws {
        let root = try #require(load("value: \(text)\n").root)
        #expect(root["value"]?.scalar == YAMLScalar(text: text, style: .plain))
    }

    @Test("scalar styles are kept")
    func styles() throws {
        let root = try #require(load("a: plain\nb: 'single'\nc: \"double\"\nd: |\n  literal\ne: >\n  folded\n").root)
        #expect(root["a"]?.scalar?.style == .plain)
        #expect(root["b"]?.scalar?.style == .singleQuoted)
        #expect(root["c"]?.scalar?.style == .doubleQuoted)
        #expect(root["d"]?.scalar == YAMLScalar(text: "literal\n", style: .literal))
        #expect(root["e"]?.scalar == YAMLScalar(text: "folded\n", style: .folded))
    }

    @Test("anchors and aliases resolve to the anchored node, located at the alias")
    func aliases() throws {
        let root = try #require(load("members: &m [a, b]\nagain: *m\n").root)
        #expect(root["again"]?.sequence?.compactMap { $0.scalar?.text } == ["a", "b"])
        #expect(root["again"]?.location == SourceLocation(file: "t.yaml", line: 2, column: 8))
    }

    @Test("a duplicate key is reported at the second occurrence, naming the first's line")
    func duplicateKey() throws {
        let result = load("a: 1\nb: 2\na: 3\n")
        let problem = try #require(result.problems.first)
        #expect(problem.code == .duplicateKey)
        #expect(problem.location == SourceLocation(file: "t.yaml", line: 3, column: 1))
        #expect(problem.message == "key 'a' is written twice in this mapping; the first is on line 1")
        #expect(problem.notes.first?.location == SourceLocation(file: "t.yaml", line: 1, column: 1))
        #expect(result.root != nil, "a duplicate key does not stop the reading")
    }

    @Test("all duplicate keys are reported, in nested mappings too")
    func severalDuplicates() {
        let result = load("a: 1\na: 2\nb:\n  c: 1\n  c: 2\n")
        #expect(result.problems.map(\.location.line) == [2, 5])
    }

    @Test("an empty file, or one with only comments, is an error", arguments: ["", "\n\n", "# nothing\n"])
    func emptyFile(_ text: String) {
        let result = load(text)
        #expect(result.root == nil)
        #expect(result.problems.map(\.code) == [.emptyFile])
    }

    @Test("a second document is refused at its '---'")
    func multipleDocuments() {
        let result = load("a: 1\n---\nb: 2\n")
        #expect(result.root == nil)
        #expect(result.problems.map(\.code) == [.multipleDocuments])
        #expect(result.problems.first?.location.line == 2)
    }

    @Test("invalid UTF-8 is refused with its location")
    func invalidUTF8() {
        let result = YAMLLoader.load(Array("a: b\nc: ".utf8) + [0xC3, 0x28], file: "t.yaml")
        #expect(result.problems.map(\.code) == [.invalidEncoding])
        #expect(result.problems.first?.location == SourceLocation(file: "t.yaml", line: 2, column: 4))
    }

    @Test(
        "overlong and surrogate encodings are not UTF-8",
        arguments: [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF5, 0x80, 0x80, 0x80]] as [[UInt8]])
    func badSequences(_ bytes: [UInt8]) {
        #expect(YAMLLoader.load(Array("a: ".utf8) + bytes, file: "t.yaml").problems.map(\.code) == [.invalidEncoding])
    }

    @Test("a NUL byte is refused with its location")
    func nulByte() {
        let result = YAMLLoader.load(Array("a: b\0c\n".utf8), file: "t.yaml")
        #expect(result.problems.map(\.code) == [.nulByte])
        #expect(result.problems.first?.location.column == 5)
    }

    @Test("a file larger than the bound is refused before parsing")
    func sizeLimit() {
        let big = "a: " + String(repeating: "x", count: 20 << 20) + "\n"
        let result = load(big)
        #expect(result.problems.map(\.code) == [.sizeLimit])
        #expect(result.problems.first?.message == "the file is 20.0 MB; a workflow file may be at most 4.0 MB")
    }

    @Test("nesting deeper than the bound is refused, even 10,000 deep")
    func depthLimit() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let result = load(deep)
        #expect(result.root == nil)
        #expect(result.problems.map(\.code) == [.depthLimit])
        let blockDeep =
            (0..<100).map { String(repeating: "  ", count: $0) + "k\($0):" }.joined(separator: "\n") + " x\n"
        #expect(load(blockDeep).problems.map(\.code) == [.depthLimit])
    }

    @Test("the billion laughs is refused when its expansion passes the bound")
    func aliasBomb() {
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        var previous = "a"
        for level in ["b", "c", "d", "e", "f", "g", "h", "i"] {
            bomb +=
                "\(level): &\(level) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
            previous = level
        }
        let result = load(bomb)
        #expect(result.root == nil)
        #expect(result.problems.map(\.code) == [.aliasLimit])
    }

    @Test("a small alias expansion within the bound is fine")
    func smallAliases() {
        let result = load("a: &a [x, y]\nb: [*a, *a, *a]\n", limits: YAMLLimits(maxNodes: 20))
        #expect(result.problems.isEmpty)
        #expect(
            load("a: &a [x, y]\nb: [*a, *a, *a, *a, *a, *a]\n", limits: YAMLLimits(maxNodes: 20)).problems.map(\.code)
                == [.aliasLimit])
    }

    @Test("an alias to nothing is an error")
    func unknownAlias() {
        #expect(load("a: *nothing\n").problems.map(\.code) == [.unknownAlias])
    }

    @Test("a key that is a list is reported")
    func complexKey() {
        #expect(load("? [a, b]\n: c\n").problems.map(\.code) == [.nonScalarKey])
    }

    @Test("syntax errors carry libyaml's location and a hint")
    func syntaxError() throws {
        let result = load("title: Phong trào: 2022\n")
        let problem = try #require(result.problems.first)
        #expect(problem.code == .syntax)
        #expect(problem.location == SourceLocation(file: "t.yaml", line: 1, column: 18))
        #expect(problem.notes.contains { $0.message.contains("quotes") })
    }

    @Test("random bytes and truncated files end in a problem or a tree, never a crash")
    func randomInput() {
        var generator = SplitMix(seed: 42)
        let sample = Array("laurel: 1\nstates:\n  a: { on: [x, 'y', \"z\"], b: &q |\n    t\n  }\n  c: *q\n".utf8)
        for round in 0..<2_000 {
            let bytes: [UInt8]
            if round % 3 == 0 {
                bytes = (0..<Int(generator.next() % 200)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            } else if round % 3 == 1 {
                // Printable ASCII and YAML's indicators, so libyaml itself sees the noise.
                let alphabet = Array("ab: -[]{}&*!|>'\"%@`#,?\n\t ".utf8)
                bytes = (0..<Int(generator.next() % 200)).map { _ in
                    alphabet[Int(generator.next() % UInt64(alphabet.count))]
                }
            } else {
                bytes = Array(sample.prefix(Int(generator.next() % UInt64(sample.count))))
            }
            let result = YAMLLoader.load(bytes, file: "r.yaml")
            #expect(result.root != nil || !result.problems.isEmpty)
        }
    }
}

/// A small deterministic generator so random tests repeat exactly.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
