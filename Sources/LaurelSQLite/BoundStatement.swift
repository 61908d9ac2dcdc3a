import GRDB
import GRDBSQLite

/// One use of a statement that every save or load runs, bound and stepped through SQLite's C
/// API. GRDB still prepares and caches the statement (so it is finalized with its connection);
/// what this skips is GRDB's `StatementArguments`, which boxes every value, and its row cursor,
/// an object per query: together about a twentieth of a save in the lifecycle benchmark
/// (docs/performance.md).
///
/// The statement is reset when this value ends, so a SELECT never keeps a read open.
struct BoundStatement: ~Copyable {
    private let handle: OpaquePointer
    private let db: Database
    private let sql: String

    init(_ db: Database, _ sql: String) throws {
        handle = try db.cachedStatement(sql: sql).sqliteStatement
        self.db = db
        self.sql = sql
        sqlite3_reset(handle)
    }

    deinit {
        sqlite3_reset(handle)
        // A blob bound in place must not be left pointing at memory that is gone.
        sqlite3_clear_bindings(handle)
    }

    func bind(_ index: Int32, _ text: String) throws {
        var text = text
        let code = text.withUTF8 { utf8 in
            // An empty buffer may have no address, and a null pointer would bind NULL.
            withUnsafePointer(to: 0 as UInt8) { empty in
                sqlite3_bind_text(
                    handle, index, UnsafeRawPointer(utf8.baseAddress ?? empty).assumingMemoryBound(to: CChar.self),
                    Int32(utf8.count), SQLITE_TRANSIENT)
            }
        }
        try check(code)
    }

    func bind(_ index: Int32, _ value: Int64) throws {
        try check(sqlite3_bind_int64(handle, index, value))
    }

    func bind(_ index: Int32, _ value: Int) throws { try bind(index, Int64(value)) }

    /// Binds `bytes` without copying them: they must stay valid until the statement is stepped.
    func bind(_ index: Int32, borrowing bytes: UnsafeRawBufferPointer) throws {
        guard let start = bytes.baseAddress, !bytes.isEmpty else {
            return try check(sqlite3_bind_zeroblob(handle, index, 0))
        }
        try check(sqlite3_bind_blob(handle, index, start, Int32(bytes.count), nil))
    }

    /// Binds a copy of `bytes`: for several blobs bound at once.
    func bind(_ index: Int32, copying bytes: [UInt8]) throws {
        let code = bytes.withUnsafeBytes { bytes in
            withUnsafePointer(to: 0 as UInt8) { empty in
                sqlite3_bind_blob(
                    handle, index, bytes.baseAddress ?? UnsafeRawPointer(empty), Int32(bytes.count), SQLITE_TRANSIENT)
            }
        }
        try check(code)
    }

    /// Runs a statement that returns no rows.
    func run() throws {
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else { throw error(code) }
    }

    /// Makes the statement ready to run again: one statement for many rows. Bindings stay, so
    /// what every row shares is bound once; a blob bound in place must be bound again.
    func reuse() {
        sqlite3_reset(handle)
    }

    /// Steps through every row, handing `read` the bytes of its first column and the integer in
    /// its second.
    func forEachRow(_ read: (UnsafeRawBufferPointer, Int64) throws -> Void) throws {
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw error(code) }
            let start = sqlite3_column_blob(handle, 0)
            let count = Int(sqlite3_column_bytes(handle, 0))
            try read(
                UnsafeRawBufferPointer(start: start, count: start == nil ? 0 : count), sqlite3_column_int64(handle, 1))
        }
    }

    /// Steps to the first row and hands `read` the bytes of its first column; nil when there is no row.
    func firstBlob<T>(_ read: (UnsafeRawBufferPointer) throws -> T) throws -> T? {
        let code = sqlite3_step(handle)
        if code == SQLITE_DONE { return nil }
        guard code == SQLITE_ROW else { throw error(code) }
        // The pointer first, then the length, as SQLite documents.
        let start = sqlite3_column_blob(handle, 0)
        let count = Int(sqlite3_column_bytes(handle, 0))
        return try read(UnsafeRawBufferPointer(start: start, count: start == nil ? 0 : count))
    }

    private func check(_ code: Int32) throws {
        guard code == SQLITE_OK else { throw error(code) }
    }

    private func error(_ code: Int32) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
            sql: sql)
    }
}

private let SQLITE_TRANSIENT = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
