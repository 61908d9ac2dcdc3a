import Foundation
import Hummingbird
import LaurelCore
public import LaurelService
import Logging

/// An error as an RFC 9457 problem document (`application/problem+json`): `type`, `title`,
/// `status`, `detail`, and Laurel's own `code` (a ``LaurelError/Code``), `request_id`, and
/// `errors`, each with a JSON pointer into the request body or a row of an uploaded file.
public struct Problem: Error, Encodable, Sendable {
    /// One wrong part of a request.
    public struct Item: Encodable, Sendable, Hashable {
        /// A JSON pointer into the request body (`/fields/savings-vnd`), when the body was JSON.
        public var pointer: String?
        /// The line of an uploaded file (a CSV row), when the body was a file.
        public var line: Int?
        public var detail: String
    }

    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    public var code: String
    public var requestID: String?
    public var errors: [Item]
    /// The code as a value, for giving the title in the language the request asks for.
    private var laurelCode: LaurelError.Code

    enum CodingKeys: String, CodingKey {
        case type, title, status, detail, code
        case requestID = "request_id"
        case errors
    }

    public init(_ error: LaurelError, language: Language = .english, requestID: String? = nil, errors: [Item]? = nil) {
        let status = Self.status(of: error.code)
        type = "/problems/\(error.code)"
        title = Self.title(of: error.code, in: language)
        self.status = Int(status.code)
        detail = error.message
        code = error.code.description
        laurelCode = error.code
        self.requestID = requestID
        self.errors =
            errors
            ?? error.problems.map { problem in
                problem.field.map { Item(pointer: $0, line: nil, detail: problem.message) }
                    ?? Item(pointer: nil, line: problem.index, detail: problem.message)
            }
    }

    /// The languages a problem's title is written in; `Accept-Language` chooses.
    public enum Language: Sendable {
        case english, vietnamese

        init(acceptLanguage: String?) {
            let first = acceptLanguage?.split(separator: ",").first?.trimmingCharacters(in: .whitespaces).lowercased()
            self = first?.hasPrefix("vi") == true ? .vietnamese : .english
        }
    }

    static func status(of code: LaurelError.Code) -> HTTPResponse.Status {
        switch code {
        case .invalidRequest: return .badRequest
        case .invalidInput: return .unprocessableContent
        case .unauthenticated: return .unauthorized
        case .forbidden: return .forbidden
        case .notFound: return .notFound
        case .refused, .conflict: return .conflict
        case .unavailable: return .serviceUnavailable
        case .preconditionFailed: return .preconditionFailed
        case .tooLarge: return .contentTooLarge
        default: return .internalServerError
        }
    }

    static func title(of code: LaurelError.Code, in language: Language) -> String {
        let titles: (String, String)
        switch code {
        case .invalidRequest: titles = ("The request cannot be read", "Yêu cầu không đọc được")
        case .invalidInput: titles = ("Some values are not valid", "Có giá trị không hợp lệ")
        case .unauthenticated: titles = ("Sign in first", "Cần đăng nhập")
        case .forbidden: titles = ("Not allowed for your role", "Vai trò của bạn không được phép")
        case .notFound: titles = ("Not found", "Không tìm thấy")
        case .refused: titles = ("The workflow refuses it now", "Quy trình không chấp nhận lúc này")
        case .conflict: titles = ("It conflicts with what was done before", "Mâu thuẫn với việc đã làm trước đó")
        case .unavailable:
            titles = (
                "The store is unavailable; try again later", "Kho dữ liệu tạm thời không dùng được; hãy thử lại sau"
            )
        case .preconditionFailed:
            titles = ("The campaign changed since you read it", "Phong trào đã thay đổi từ lúc bạn xem")
        case .tooLarge: titles = ("The request is too large", "Yêu cầu quá lớn")
        default: titles = ("Laurel failed; the request changed nothing", "Laurel gặp lỗi; yêu cầu không thay đổi gì")
        }
        return language == .vietnamese ? titles.1 : titles.0
    }

    /// The same problem with its title in `language`.
    func titled(in language: Language) -> Problem {
        var copy = self
        copy.title = Self.title(of: laurelCode, in: language)
        return copy
    }

    func response() -> Response {
        let body =
            (try? JSONValue(encoding: self).rendered(pretty: false)) ?? #"{"title":"Laurel failed","status":500}"#
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        if status == 401 { headers[.wwwAuthenticate] = #"Bearer realm="laurel""# }
        return Response(
            status: HTTPResponse.Status(code: status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}

/// Turns every error a route throws into a problem document, so a client never sees
/// hummingbird's plain-text errors or a stack of Swift: a `LaurelError` keeps its code and
/// message, hummingbird's own errors (an unknown route, a wrong method) keep their status, and
/// anything else is logged with the request id and answered as `internal` without its text.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = APIContext

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response)
        async throws -> Response
    {
        let language = Problem.Language(acceptLanguage: request.headers[.acceptLanguage])
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            var problem = problem.titled(in: language)
            problem.requestID = context.id
            return problem.response()
        } catch let error as LaurelError {
            if error.code == .internal {
                context.logger.error("request failed", metadata: ["error": "\(error.message)"])
            }
            return Problem(error, language: language, requestID: context.id).response()
        } catch let error as HTTPError {
            let code: LaurelError.Code =
                switch error.status {
                case .notFound: .notFound
                case .methodNotAllowed: .invalidRequest
                case .contentTooLarge: .tooLarge
                case .unauthorized: .unauthenticated
                default: error.status.code < 500 ? .invalidRequest : .internal
                }
            var problem = Problem(
                LaurelError(code, error.body ?? error.status.reasonPhrase), language: language, requestID: context.id)
            problem.status = Int(error.status.code)
            return problem.response()
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            return Problem(
                LaurelError(.internal, "an unexpected error; the request changed nothing (request id \(context.id))"),
                language: language, requestID: context.id
            ).response()
        }
    }
}
