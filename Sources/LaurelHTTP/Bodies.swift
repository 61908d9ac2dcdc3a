import Foundation
import Hummingbird
import LaurelCore
import LaurelService

extension Request {
    /// The body, refused with `too-large` past `limit` bytes before more is read.
    func bytes(upTo limit: Int) async throws -> [UInt8] {
        if let length = headers[.contentLength].flatMap(Int.init), length > limit {
            throw LaurelError(.tooLarge, "the body is \(length) bytes; at most \(limit) are taken")
        }
        do {
            let buffer = try await body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw LaurelError(.tooLarge, "the body is larger than \(limit) bytes, the most taken here")
        }
    }

    /// A file sent as the body, which must not be empty: `what` names it in the refusal.
    func file(upTo limit: Int, what: String) async throws -> [UInt8] {
        let bytes = try await bytes(upTo: limit)
        guard !bytes.isEmpty else { throw LaurelError(.invalidRequest, "the body is empty; send \(what) as the body") }
        return bytes
    }

    /// The body as JSON of type `T`; a body that is not that JSON is `invalid-input` with a JSON
    /// pointer to the place, or `invalid-request` when it is not JSON at all.
    func json<T: JSONRequest>(_ type: T.Type, upTo limit: Int = LaurelAPI.Limits.jsonBody) async throws -> T {
        if let contentType = headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
            throw LaurelError(.invalidRequest, "send the body as JSON, with 'Content-Type: application/json'")
        }
        let bytes = try await bytes(upTo: limit)
        let value: T
        do {
            value = try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw Problem.decoding(error)
        }
        // A key the request does not take is refused, not ignored: a misspelt key would
        // otherwise be a value silently left out.
        if let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] {
            let unknown = object.keys.filter { !T.keys.contains($0) }.sorted()
            if !unknown.isEmpty {
                throw LaurelError(
                    .invalidInput,
                    "the body has \(unknown.count == 1 ? "a key" : "keys") this request does not take; its keys are \(Suggestions.list(T.keys.sorted(), conjunction: "and"))",
                    problems: unknown.map {
                        .init(
                            field: Problem.pointer([$0]),
                            message: "unknown key '\($0)'\(Suggestions.didYouMean($0, in: T.keys))")
                    })
            }
        }
        return value
    }
}

/// A JSON request body: its type names the keys it takes, and any other key is refused.
protocol JSONRequest: Decodable {
    static var keys: Set<String> { get }
}

extension Problem {
    /// A JSON pointer (RFC 6901) to the place a path names.
    static func pointer(_ path: [String]) -> String {
        path.map { "/" + $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }
            .joined()
    }

    static func decoding(_ error: DecodingError) -> Problem {
        func pointer(_ path: [any CodingKey]) -> String {
            Self.pointer(path.map { $0.intValue.map(String.init) ?? $0.stringValue })
        }
        let (path, detail): ([any CodingKey], String)
        switch error {
        case .keyNotFound(let key, let context):
            (path, detail) = (context.codingPath + [key], "'\(key.stringValue)' is required")
        case .typeMismatch(let type, let context):
            (path, detail) = (context.codingPath, "expected \(Self.jsonName(of: type))")
        case .valueNotFound(let type, let context):
            (path, detail) = (context.codingPath, "expected \(Self.jsonName(of: type)), got null")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return Problem(LaurelError(.invalidRequest, "the body is not valid JSON"))
            }
            (path, detail) = (context.codingPath, context.debugDescription)
        @unknown default:
            (path, detail) = ([], "the body does not have the expected form")
        }
        let where_ = path.isEmpty ? "the body" : pointer(path)
        return Problem(
            LaurelError(.invalidInput, "\(where_): \(detail)"),
            errors: [Item(pointer: pointer(path), line: nil, detail: detail)])
    }

    private static func jsonName(of type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Int.Type, is Double.Type, is Int64.Type: return "a number"
        case is [Any].Type: return "an array"
        default: return "an object"
        }
    }
}

/// A JSON value given for an entry field or an input: a string, a number or true/false, read as
/// the text the command line would be given, so both are checked by the same code.
struct FieldText: Decodable, Sendable {
    var text: String

    init(text: String) { self.text = text }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self.text = text
        } else if let number = try? container.decode(Int64.self) {
            text = String(number)
        } else if let number = try? container.decode(Double.self) {
            text = String(number)
        } else if let flag = try? container.decode(Bool.self) {
            text = flag ? "true" : "false"
        } else {
            throw DecodingError.typeMismatch(
                String.self,
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "a field's value is a string, a number or true/false"))
        }
    }
}
