/// A certificate (giấy khen, giấy chứng nhận) for one winner, with its text already filled in:
/// the awards step makes it, the daemon's certificate sink (or `simulate --certificates`)
/// writes it out as Markdown and HTML.
public struct Certificate: Sendable, Hashable, Codable {
    public var entry: String
    /// Who receives it: the entry's recipient field, or its title, or its id.
    public var recipient: String
    /// "GIẤY KHEN", printed large at the top.
    public var heading: String
    public var text: String
    public var tier: String
    public var amount: Int
    public var issuer: String?
    public var campaignTitle: String
    /// The local date it is issued on, in the workflow's zone: "2025-07-22".
    public var issuedOn: String

    public init(
        entry: String, recipient: String, heading: String, text: String, tier: String, amount: Int,
        issuer: String?, campaignTitle: String, issuedOn: String
    ) {
        self.entry = entry
        self.recipient = recipient
        self.heading = heading
        self.text = text
        self.tier = tier
        self.amount = amount
        self.issuer = issuer
        self.campaignTitle = campaignTitle
        self.issuedOn = issuedOn
    }

    /// A file name for the entry: its id made safe (``safeFileName(_:)``), so an id can never
    /// leave the folder it is written in.
    public var fileStem: String { Self.safeFileName(entry) }

    /// `name` as a file name every file system takes: ASCII letters, digits, '-' and '_' (a
    /// Vietnamese letter as its plain letter, anything else as '_'), at most 80 bytes. A name
    /// that had to change gets '~' and 8 hex digits of its SHA-256, so two names never share a
    /// file (`a/b` is `a_b~…`, `a_b` stays `a_b`), however long or unusual they are.
    public static func safeFileName(_ name: String) -> String {
        var safe = ""
        for scalar in VietnameseCollation.ascii(name).unicodeScalars {
            let keep =
                scalar.isASCII
                && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_")
            safe.unicodeScalars.append(keep ? scalar : "_")
            if safe.utf8.count >= 80 { break }
        }
        guard safe != name || safe.isEmpty else { return safe }
        return safe + "~" + String(SHA256.hex(Array(name.utf8)).prefix(8))
    }

    /// The certificate as Markdown. The date is the ISO date, which every reader parses ("Hà Nội,
    /// ngày 22 tháng 7 năm 2025" is the issuer's to write in the text).
    /// `footer`: lines printed small at the end (the audit log's seal).
    public func markdown(footer: [String] = []) -> String {
        // Every text is escaped: a name or a title never turns into markup.
        let md = Escaping.markdown
        let body = text.split(separator: "\n", omittingEmptySubsequences: true).map { md(String($0)) }.joined(
            separator: "\n\n")
        var lines = ["# \(md(heading))", "", "**\(md(recipient))**", "", body, ""]
        lines.append("- Giải / tier: \(md(tier))")
        if amount > 0 { lines.append("- Tiền thưởng / prize: \(TextTemplate.number(Double(amount))) VND") }
        lines.append("- \(md(campaignTitle))")
        lines.append("- \(issuedOn)")
        if let issuer { lines += ["", "*\(md(issuer))*"] }
        if !footer.isEmpty { lines += [""] + footer.map { "<small>\(md($0))</small>  " } }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The certificate as a standalone HTML page, every text escaped.
    public func html(footer: [String] = []) -> String {
        func escaped(_ text: String) -> String {
            var result = ""
            for character in text {
                switch character {
                case "&": result += "&amp;"
                case "<": result += "&lt;"
                case ">": result += "&gt;"
                case "\"": result += "&quot;"
                case "'": result += "&#39;"
                default: result.append(character)
                }
            }
            return result
        }
        let paragraphs = text.split(separator: "\n", omittingEmptySubsequences: true)
            .map { "  <p>\(escaped(String($0)))</p>" }.joined(separator: "\n")
        var lines = [
            "<!DOCTYPE html>",
            "<html lang=\"vi\">",
            "<head><meta charset=\"utf-8\"><title>\(escaped(heading)) — \(escaped(recipient))</title>",
            "<style>body{font-family:serif;text-align:center;max-width:40em;margin:3em auto}h1{letter-spacing:.1em}.recipient{font-size:1.6em;font-weight:bold}</style></head>",
            "<body>",
            "  <h1>\(escaped(heading))</h1>",
            "  <p class=\"recipient\">\(escaped(recipient))</p>",
            paragraphs,
            "  <p>Giải / tier: \(escaped(tier))\(amount > 0 ? " — \(TextTemplate.number(Double(amount))) VND" : "")</p>",
            "  <p>\(escaped(campaignTitle))</p>",
            "  <p>\(issuedOn)</p>",
        ]
        if let issuer { lines.append("  <p><em>\(escaped(issuer))</em></p>") }
        if !footer.isEmpty {
            lines.append(
                "  <p class=\"seal\" style=\"font-size:.7em;font-family:monospace;word-break:break-all\">"
                    + footer.map(escaped).joined(separator: "<br>") + "</p>")
        }
        lines += ["</body>", "</html>"]
        return lines.joined(separator: "\n") + "\n"
    }
}
