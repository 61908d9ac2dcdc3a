/// The Language Server Protocol's base protocol: each message is a few headers (`Content-Length`
/// is the one that matters), a blank line, then exactly that many bytes of JSON.
///
/// Bytes come in as the editor writes them; ``next()`` hands out whole messages. A header that
/// cannot be read is reported and skipped to the next `Content-Length`, so one bad message never
/// stops the server; a body longer than ``largestMessage`` is refused the same way.
public struct MessageFramer: Sendable {
    public enum Frame: Sendable, Equatable {
        case message([UInt8])
        /// Something that is not a message, said in a sentence; its bytes were dropped.
        case malformed(String)
    }

    /// A 2,000-state workflow file is 700 KB; an editor sends it whole, inside JSON.
    public static let largestMessage = 16 * 1024 * 1024

    private var buffer: [UInt8] = []
    private var start = 0

    public init() {}

    public mutating func append(_ bytes: some Collection<UInt8>) {
        // Drop what was handed out before growing, so the buffer stays the size of one message.
        if start > 0, start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Bytes received that are not a whole message yet.
    public var pending: Int { buffer.count - start }

    public mutating func next() -> Frame? {
        guard let headerEnd = Self.find([0x0D, 0x0A, 0x0D, 0x0A], in: buffer, from: start) else {
            // Headers are short: a long run without a blank line is not a header at all.
            if pending > 8 * 1024 {
                let text = "a header of more than 8 KB without the blank line that ends it"
                resynchronise(after: start + 1)
                return .malformed(text)
            }
            return nil
        }
        // Left-overs of a message whose length lied come before the next header: skip to it.
        guard Self.startsWithHeaderName(buffer[start..<headerEnd]) else {
            resynchronise(after: start + 1)
            return .malformed("bytes that are not a message header (the previous message's length was wrong?)")
        }
        let header = String(decoding: buffer[start..<headerEnd], as: UTF8.self)
        var length: Int?
        for line in header.split(separator: "\r\n", omittingEmptySubsequences: true) {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            if parts[0].lowercased() == "content-length" {
                length = Int(parts[1].trimmingCharacters(in: " \t"))
            }
        }
        guard let length, length >= 0 else {
            resynchronise(after: headerEnd + 4)
            return .malformed("a message header without a Content-Length of a whole number of bytes")
        }
        guard length <= Self.largestMessage else {
            resynchronise(after: headerEnd + 4)
            return .malformed(
                "a message of \(length) bytes, more than the \(Self.largestMessage) this server takes; it was skipped")
        }
        let bodyStart = headerEnd + 4
        guard buffer.count - bodyStart >= length else { return nil }
        let body = Array(buffer[bodyStart..<(bodyStart + length)])
        start = bodyStart + length
        return .message(body)
    }

    /// Whether `bytes` start with a header's name and its colon (`Content-Length:`).
    private static func startsWithHeaderName(_ bytes: ArraySlice<UInt8>) -> Bool {
        var sawName = false
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"):
                sawName = true
            case UInt8(ascii: ":"):
                return sawName
            default:
                return false
            }
        }
        return false
    }

    /// Skips to the next `Content-Length` header at or after `offset` (or to the end).
    private mutating func resynchronise(after offset: Int) {
        let marker = Array("Content-Length".utf8)
        start = Self.find(marker, in: buffer, from: min(offset, buffer.count)) ?? buffer.count
    }

    private static func find(_ pattern: [UInt8], in bytes: [UInt8], from: Int) -> Int? {
        guard bytes.count >= pattern.count, from <= bytes.count - pattern.count else { return nil }
        var index = from
        while index <= bytes.count - pattern.count {
            if bytes[index] == pattern[0] {
                var matched = true
                for offset in 1..<pattern.count where bytes[index + offset] != pattern[offset] {
                    matched = false
                    break
                }
                if matched { return index }
            }
            index += 1
        }
        return nil
    }

    /// A message as written to the editor.
    public static func frame(_ body: [UInt8]) -> [UInt8] {
        Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, set.unicodeScalars.contains(first) { scalars = scalars.dropFirst() }
        while let last = scalars.last, set.unicodeScalars.contains(last) { scalars = scalars.dropLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
