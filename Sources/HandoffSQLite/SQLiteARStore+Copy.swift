import Foundation
import GRDB

/// The record read table by table as text, for copying it into another engine (`handoff migrate --to`).
extension SQLiteARStore {
    /// The columns of a table, in order.
    package func columns(of table: String) throws -> [String] {
        try pool.read { db in try db.columns(in: table).map(\.name) }
    }

    /// Calls `body` with every row of `table` (these columns, as text; NULL as `nil`), in the
    /// order stored, without holding them all, inside one read (one consistent view).
    package func forEachRow(of table: String, columns: [String], _ body: ([String?]) throws -> Void) throws {
        let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
        try pool.read { db in
            // A WITHOUT ROWID table is stored in its primary key's order; any other in rowid order.
            let withoutRowID =
                try Bool.fetchOne(
                    db, sql: "SELECT sql LIKE '%WITHOUT ROWID%' FROM sqlite_master WHERE name = ?",
                    arguments: [table]) ?? false
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT \(list) FROM \(table)" + (withoutRowID ? "" : " ORDER BY rowid"))
            while let row = try cursor.next() {
                try body((0..<columns.count).map { Self.text(row[$0] as DatabaseValue) })
            }
        }
    }

    /// The rows of a query (no arguments), every value as text.
    package func rows(_ sql: String) throws -> [[String?]] {
        try pool.read { db in
            try Row.fetchAll(db, sql: sql).map { row in (0..<row.count).map { Self.text(row[$0] as DatabaseValue) } }
        }
    }

    private static func text(_ value: DatabaseValue) -> String? {
        switch value.storage {
        case .null: return nil
        case .int64(let i): return String(i)
        case .double(let d): return String(d)
        case .string(let s): return s
        case .blob(let data): return "\\x" + data.map { String(format: "%02x", $0) }.joined()
        }
    }
}
