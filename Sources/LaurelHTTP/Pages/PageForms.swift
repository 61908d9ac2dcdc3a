import Foundation
import Hummingbird
import LaurelCore
import LaurelService

/// The fields of a page's form: `application/x-www-form-urlencoded`, or `multipart/form-data`
/// when it carries a file (a CSV upload). A field's first value counts.
struct PageForm: Sendable {
    var fields: [String: String] = [:]
    /// Uploaded files by field name: the name the browser gave and the bytes.
    var files: [String: (name: String, bytes: [UInt8])] = [:]

    subscript(name: String) -> String? { fields[name] }

    /// The form of `request`, at most `limit` bytes; a form without the session's form token is
    /// refused (a page of another site cannot post it: the cookie is SameSite=Strict as well).
    static func read(_ request: Request, session: PageSession, limit: Int = 64 * 1024) async throws -> PageForm {
        let words = PageText.table(session.language)
        let bytes = try await request.bytes(upTo: limit)
        let type = request.headers[.contentType] ?? ""
        let form: PageForm
        if type.lowercased().hasPrefix("multipart/form-data") {
            guard let boundary = Self.boundary(type), let parsed = Self.multipart(bytes, boundary: boundary) else {
                throw LaurelError(.invalidRequest, words["badUpload"]!)
            }
            form = parsed
        } else {
            form = PageForm(fields: Self.urlEncoded(String(decoding: bytes, as: UTF8.self)))
        }
        guard let expected = session.formToken, form["csrf"] == expected else {
            throw LaurelError(.forbidden, words["badForm"]!)
        }
        return form
    }

    static func urlEncoded(_ text: String) -> [String: String] {
        var components = URLComponents()
        components.percentEncodedQuery = text.replacingOccurrences(of: "+", with: "%20")
        var fields: [String: String] = [:]
        for item in components.queryItems ?? [] where fields[item.name] == nil { fields[item.name] = item.value ?? "" }
        return fields
    }

    /// The boundary parameter of a `multipart/form-data` content type, quoted or not.
    static func boundary(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.trimmingCharacters(in: .whitespaces)
            guard pair.lowercased().hasPrefix("boundary=") else { continue }
            var value = pair.dropFirst("boundary=".count)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
            return (1...70).contains(value.count) ? String(value) : nil
        }
        return nil
    }

    /// The parts of a multipart body (RFC 7578): each part's `Content-Disposition` names its field
    /// and, for a file, the file's name. Nil when the body is not made of such parts.
    static func multipart(_ body: [UInt8], boundary: String) -> PageForm? {
        let delimiter = Array("--\(boundary)".utf8)
        let separator = Array("\r\n\r\n".utf8)
        var form = PageForm()
        var starts = Self.occurrences(of: delimiter, in: body)
        guard starts.count >= 2 else { return nil }
        // The closing delimiter is followed by "--"; everything after it is ignored.
        starts = Array(starts.prefix { $0 + delimiter.count <= body.count })
        for (start, end) in zip(starts, starts.dropFirst()) {
            var from = start + delimiter.count
            guard from + 2 <= end, body[from] == 0x0D, body[from + 1] == 0x0A else { return nil }
            from += 2
            // The part's content ends with the CRLF before the next delimiter.
            let to = end - 2
            guard to >= from, let headerEnd = Self.occurrences(of: separator, in: body[from..<to]).first else {
                return nil
            }
            let headers = String(decoding: body[from..<headerEnd], as: UTF8.self)
            let content = Array(body[(headerEnd + separator.count)..<to])
            guard let disposition = Self.disposition(headers), let name = disposition.name else { return nil }
            if let file = disposition.file {
                if form.files[name] == nil { form.files[name] = (file, content) }
            } else if form.fields[name] == nil {
                form.fields[name] = String(decoding: content, as: UTF8.self)
            }
        }
        return form
    }

    private static func disposition(_ headers: String) -> (name: String?, file: String?)? {
        for line in headers.split(separator: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
            var name: String?
            var file: String?
            for parameter in line.split(separator: ";").dropFirst() {
                let pair = parameter.trimmingCharacters(in: .whitespaces)
                guard let equals = pair.firstIndex(of: "=") else { continue }
                var value = pair[pair.index(after: equals)...]
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                    value = value.dropFirst().dropLast()
                }
                switch pair[..<equals].lowercased() {
                case "name": name = String(value)
                case "filename": file = String(value)
                default: break
                }
            }
            return (name, file)
        }
        return nil
    }

    /// Where `pattern` starts in `bytes`, without overlaps.
    private static func occurrences(of pattern: [UInt8], in bytes: ArraySlice<UInt8>) -> [Int] {
        var found: [Int] = []
        guard !pattern.isEmpty, bytes.count >= pattern.count else { return found }
        var index = bytes.startIndex
        let last = bytes.endIndex - pattern.count
        while index <= last {
            if bytes[index] == pattern[0], bytes[index..<(index + pattern.count)].elementsEqual(pattern) {
                found.append(index)
                index += pattern.count
            } else {
                index += 1
            }
        }
        return found
    }

    private static func occurrences(of pattern: [UInt8], in bytes: [UInt8]) -> [Int] {
        occurrences(of: pattern, in: bytes[...])
    }

    /// A fresh value for a form's `nonce` field: the submission's event id is made from it, so
    /// a form sent twice (a double tap, a retried post) is applied once.
    static func newNonce() -> String {
        UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    /// The nonce a form carried back, if it is one this server could have made.
    static func nonce(_ form: PageForm) -> String? {
        guard let nonce = form["nonce"], nonce.count == 32, nonce.allSatisfy({ $0.isHexDigit && !$0.isUppercase })
        else { return nil }
        return nonce
    }
}
