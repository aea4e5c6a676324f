import Foundation
import KairosCore
import KairosStore

/// The executions page's "failed first" order: every failed execution matching the filters
/// (newest first), then the others (newest first). Two store reads in history's own order, the
/// failed ones and then the rest, joined by a cursor that says which part a page continues:
/// `failed:<cursor>` or `rest:<cursor>` (an empty store cursor starts that part).
struct FailedFirstHistory {
    let store: any ExecutionHistory
    /// The filters, without a cursor; `statuses` empty means every status.
    let query: HistoryQuery

    static let failed: Set<ExecutionStatus> = [.failed]

    /// The statuses of the second part: the filter's (or every status), failed ones excepted.
    var rest: Set<ExecutionStatus> { (query.statuses.isEmpty ? Set(ExecutionStatus.allCases) : query.statuses).subtracting(Self.failed) }

    /// One page of at most `query.limit` executions after `cursor` (from this type's cursors).
    func page(after cursor: String?) async throws -> Page<Execution> {
        let limit = max(query.limit, 1)
        let (part, inner) = try Self.split(cursor)
        var items: [Execution] = []
        if part == .failed, query.statuses.isEmpty || query.statuses.contains(.failed) {
            let failed = try await read(Self.failed, limit: limit, cursor: inner)
            items = failed.items
            if let next = failed.nextCursor { return Page(items: items, nextCursor: "failed:" + next) }
        }
        let restCursor = part == .rest ? inner : nil
        guard !rest.isEmpty else { return Page(items: items, nextCursor: nil) }
        // A full page of failed executions still asks for one more to know whether a next page exists.
        let others = try await read(rest, limit: max(limit - items.count, 1), cursor: restCursor)
        if items.count == limit {
            return Page(items: items, nextCursor: others.items.isEmpty ? nil : "rest:" + (restCursor ?? ""))
        }
        return Page(items: items + others.items, nextCursor: others.nextCursor.map { "rest:" + $0 })
    }

    private func read(_ statuses: Set<ExecutionStatus>, limit: Int, cursor: String?) async throws -> Page<Execution> {
        var part = query
        part.statuses = statuses
        part.limit = limit
        part.cursor = cursor
        return try await store.history(part)
    }

    enum Part { case failed, rest }

    /// The part a cursor continues and the store's cursor inside it (`nil`: that part's start).
    static func split(_ cursor: String?) throws -> (Part, String?) {
        guard let cursor else { return (.failed, nil) }
        for (prefix, part) in [("failed:", Part.failed), ("rest:", Part.rest)] where cursor.hasPrefix(prefix) {
            let inner = String(cursor.dropFirst(prefix.count))
            return (part, inner.isEmpty ? nil : inner)
        }
        throw DashboardError(.badRequest, "This page link is not valid any more (its position in the list cannot be read); start from the first page.")
    }
}
