import Foundation

/// The pages' words, in Vietnamese (the default) and English. One table, so a page never shows a
/// key without its translation: `PagesTests` checks both languages have every key.
enum PageText {
    enum Language: String, Sendable {
        case vi, en

        var other: Language { self == .vi ? .en : .vi }
    }

    static let vietnamese: [String: String] = [
        "navigation": "Điều hướng", "otherLanguageName": "Tiếng Việt", "signIn": "Đăng nhập", "signOut": "Đăng xuất",
        "codeOrToken": "Mã đăng nhập hoặc token",
        "codeHint": "Dán mã trong đường dẫn đăng nhập hoặc token quản trị viên đã gửi cho bạn.",
        "campaigns": "Phong trào", "noCampaigns": "Chưa có phong trào nào bạn được xem.",
        "entriesWord": "bài đã nộp", "since": "từ", "progress": "Tiến độ",
        "noTargets": "Phong trào này không có chỉ tiêu theo giai đoạn.", "timers": "Hẹn giờ sắp tới",
        "noTimers": "Không có hẹn giờ nào.", "what": "Việc", "due": "Đến hạn", "forecast": "Dự báo",
        "forecastIntro": "Chạy tiếp phong trào từ hôm nay theo nhịp của chính nó,", "runsWord": "lần",
        "noTargetsAhead": "Không còn chỉ tiêu nào phía trước.", "phase": "Giai đoạn", "target": "Chỉ tiêu",
        "deadline": "Hạn chót", "missRisk": "Khả năng trễ hạn", "timeline": "Diễn biến",
        "backToCampaigns": "Về danh sách phong trào", "running": "đang chạy", "finished": "đã kết thúc",
        "footer": "Laurel — quản lý phong trào thi đua.", "notReached": "chưa đạt trước hạn",
        "signedOut": "Bạn đã đăng xuất.", "signInFirst": "Hãy đăng nhập để xem trang này.",
        "forbidden": "Bạn không có quyền xem trang này", "notFound": "Không tìm thấy",
        "refused": "Không thực hiện được", "unavailable": "Tạm thời không dùng được", "error": "Có lỗi",
        "historyDays": "Dựa trên %1 bài của %2 đơn vị trong %3 ngày.",
        "historyNone": "Chưa đủ một ngày dữ liệu; dùng nhịp cần để đạt chỉ tiêu.",
        "calibration": "Kiểm chứng: ngày thực tế nằm trong khoảng P15–P85 ở %1 % của %2 phép thử.",
        "earlierEvents": "Các sự kiện trước đó: xem toàn bộ bằng 'laurel campaign history'.",
        "badCode": "Mã hoặc token không hợp lệ, đã dùng hoặc đã hết hạn.",
        "badForm": "Phiên làm việc đã thay đổi; hãy tải lại trang và thử lại.",
        "or": "hoặc",
        "waitingFor": "Phong trào đang chờ sự kiện %1: chưa thể dự báo cho đến khi sự kiện được gửi.",
    ]

    static let english: [String: String] = [
        "navigation": "Navigation", "otherLanguageName": "English", "signIn": "Sign in", "signOut": "Sign out",
        "codeOrToken": "Sign-in code or token",
        "codeHint": "Paste the code from your sign-in link, or the token an administrator gave you.",
        "campaigns": "Campaigns", "noCampaigns": "There is no campaign you may see yet.",
        "entriesWord": "entries submitted",
        "since": "since", "progress": "Progress", "noTargets": "This campaign has no phase targets.",
        "timers": "Pending timers", "noTimers": "No timer armed.", "what": "What", "due": "Due",
        "forecast": "Forecast", "forecastIntro": "The campaign run forward from now at its own pace,",
        "runsWord": "times", "noTargetsAhead": "No phase target is ahead.", "phase": "Phase", "target": "Target",
        "deadline": "Deadline", "missRisk": "Risk of missing", "timeline": "Timeline",
        "backToCampaigns": "Back to the campaigns", "running": "running", "finished": "finished",
        "footer": "Laurel — emulation campaigns.", "notReached": "not by the deadline",
        "signedOut": "You are signed out.", "signInFirst": "Sign in to see this page.",
        "forbidden": "You may not see this page", "notFound": "Not found", "refused": "Not done",
        "unavailable": "Not available now", "error": "Something went wrong",
        "historyDays": "From %1 entries of %2 units over %3 days.",
        "historyNone": "Less than a day of history: the pace the target needs is assumed.",
        "calibration": "Calibration: the real date fell inside P15–P85 in %1 % of %2 backtests.",
        "earlierEvents": "Earlier events are not shown: 'laurel campaign history' lists them all.",
        "badCode": "The code or token is not valid, was used already, or has expired.",
        "badForm": "Your session changed; reload the page and try again.",
        "or": "or",
        "waitingFor": "The campaign waits for the event %1: nothing can be forecast until it is sent.",
    ]

    static func table(_ language: Language) -> [String: String] {
        language == .vi ? vietnamese : english
    }

    /// The text with `%1`, `%2`, ... replaced by the values in order.
    static func format(_ text: String, _ values: String...) -> String {
        var result = text
        for (index, value) in values.enumerated() {
            result = result.replacingOccurrences(of: "%\(index + 1)", with: value)
        }
        return result
    }
}
