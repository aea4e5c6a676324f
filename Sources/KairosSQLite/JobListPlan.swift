import Foundation
import GRDB
import KairosStore

/// How SQLite reads one page of the job list (docs/STORE.md, "How a page is read"). Two ways:
///
/// - *walk*: the index of the sort order, from the cursor on, testing the filters on each row
///   until `limit + 1` match. Cheap when matches are dense (or there is no filter).
/// - *narrow*: the index of one filter (task; state, enabled, paused, with the due index for
///   active jobs and a partial index for finished ones; key prefix; or the search's trigram
///   index), then sort its matches. Cheap when that filter matches few jobs.
///
/// Before a page with filters, each filter with an index counts its matches up to a bound
/// (an index-only probe of at most `bound` entries); when the smallest count is under the
/// bound that filter narrows, else the page walks. The bound is √((limit + 1) × live jobs),
/// where both ways cost about the same, clamped to 1,000…20,000. Either way gives the same
/// rows; only the cost differs.
///
/// A walk with filters reads at most `bound` jobs of the order: its matches may be rare (a
/// search of one or two characters, which has no trigram; filters correlated with the order,
/// or two that each match many jobs but together few), and reading until `limit + 1` match
/// could read every job. When that slice ends before the page is full, the page is shorter and
/// its cursor continues after the slice (``boundary(_:walking:)``): a client that follows the
/// cursors sees every match, and each request does bounded work.
struct JobListPlan: Sendable {
    /// A filter with an index of its own.
    struct Narrowing: Sendable {
        /// `INDEXED BY …`, or `NOT INDEXED` for the search (rowids from the trigram index).
        let access: String
        /// Added to the page's conditions when this filter narrows.
        let condition: String?
        let conditionArguments: StatementArguments
        /// Counts matches up to the bound (the last argument).
        let probe: String
        let probeArguments: StatementArguments
    }

    let order: JobOrder
    /// The filters, without the cursor's position.
    let conditions: [String]
    let arguments: StatementArguments
    /// The cursor's position: sort value and key.
    let position: StatementArguments?
    let narrowings: [Narrowing]
    let limit: Int
    /// Whether any filter but the live and system ones applies (a walk then bounds its slice).
    let filtered: Bool

    init(_ query: JobQuery, limit: Int) throws {
        let order = JobOrder(query.sort)
        var conditions = ["deleted = 0"]
        var arguments: [(any DatabaseValueConvertible)?] = []
        var narrowings: [Narrowing] = []

        func indexed(_ index: String, _ terms: [String], _ values: [(any DatabaseValueConvertible)?]) -> Narrowing {
            let probe = "SELECT COUNT(*) FROM (SELECT 1 FROM jobs INDEXED BY \(index) WHERE deleted = 0 AND \(terms.joined(separator: " AND ")) LIMIT ?)"
            return Narrowing(access: "INDEXED BY \(index)", condition: nil, conditionArguments: [], probe: probe, probeArguments: StatementArguments(values))
        }

        let position = try query.cursor.map { StatementArguments(order.keysetArguments(try JobCursor($0, sort: query.sort))) }
        if let prefix = query.keyPrefix, !prefix.isEmpty {
            let values: [(any DatabaseValueConvertible)?] = [prefix, prefix + "\u{10FFFF}"]
            conditions.append("key >= ? AND key < ?")
            arguments += values
            // Sorted by key, the walk already seeks to the prefix.
            if !order.isKey { narrowings.append(indexed("jobs_by_key", ["key >= ? AND key < ?"], values)) }
        }
        if let search = query.search, !search.isEmpty {
            conditions.append("(instr(lower(key), lower(?)) > 0 OR instr(lower(name), lower(?)) > 0)")
            arguments += [search, search]
            if let match = Self.trigramQuery(search) {
                narrowings.append(
                    Narrowing(
                        access: "NOT INDEXED", condition: "rowid IN (SELECT rowid FROM jobs_search WHERE jobs_search MATCH ?)",
                        conditionArguments: [match], probe: "SELECT COUNT(*) FROM (SELECT 1 FROM jobs_search WHERE jobs_search MATCH ? LIMIT ?)",
                        probeArguments: [match]))
            }
        }
        if let task = query.task {
            conditions.append("task = ?")
            arguments.append(task)
            narrowings.append(indexed("jobs_by_task", ["task = ?"], [task]))
        }
        switch query.lastOutcome {
        case .status(let status):
            conditions.append("last_status = ?")
            arguments.append(status.rawValue)
        case .never:
            conditions.append("last_status IS NULL")
        case nil:
            break
        }
        var stateTerms: [String] = []
        var stateValues: [(any DatabaseValueConvertible)?] = []
        if let state = query.state { stateTerms.append(SQLiteJobStore.stateCondition(state)) }
        if let enabled = query.enabled {
            stateTerms.append("enabled = ?")
            stateValues.append(enabled)
        }
        if let paused = query.paused {
            // `enabled` leads the state index: naming both of its values lets SQLite seek.
            stateTerms.append("enabled IN (0, 1) AND paused = ?")
            stateValues.append(paused)
        }
        if !stateTerms.isEmpty {
            conditions += stateTerms
            arguments += stateValues
            let index = query.state == .active ? "jobs_due_by_key" : query.state == .finished ? "jobs_finished" : "jobs_by_state"
            narrowings.append(indexed(index, stateTerms, stateValues))
        }
        let filtered = query.isFiltered
        if !query.includeSystem { conditions.append("system = 0") }

        self.filtered = filtered
        self.order = order
        self.conditions = conditions
        self.arguments = StatementArguments(arguments)
        self.position = position
        self.narrowings = narrowings
        self.limit = limit
    }

    /// The search text as an FTS5 query of its trigrams (all must occur), or `nil` when it has
    /// fewer than three characters (the trigram index cannot help: the page walks).
    static func trigramQuery(_ search: String) -> String? {
        let scalars = Array(search.unicodeScalars)
        guard scalars.count >= 3 else { return nil }
        var seen = Set<String>()
        var terms: [String] = []
        for start in 0...(scalars.count - 3) {
            var trigram = String.UnicodeScalarView()
            trigram.append(contentsOf: scalars[start..<start + 3])
            let text = String(trigram)
            guard seen.insert(text).inserted else { continue }
            terms.append("\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"")
        }
        return terms.joined(separator: " AND ")
    }

    /// ``JobQuery/walkBound(limit:liveJobs:)`` for the live jobs.
    func bound(_ db: Database) throws -> Int {
        let live = try Int.fetchOne(db, sql: "SELECT IFNULL(SUM(jobs), 0) FROM job_counts") ?? 0
        return JobQuery.walkBound(limit: limit, liveJobs: live)
    }

    /// The last position of the slice a filtered walk reads (the `bound`-th job of the order
    /// after the cursor, from the order's index alone), or `nil` when fewer jobs remain or the
    /// page is not a filtered walk.
    func boundary(_ db: Database, walking: Bool) throws -> (value: DatabaseValue, key: String)? {
        guard walking, filtered else { return nil }
        let offset = try bound(db) - 1
        var arguments = StatementArguments()
        let sql: String
        if order.field == .nextRunAt {
            let firing = "enabled = 1 AND paused = 0 AND next_run_at IS NOT NULL"
            var due = ["deleted = 0", firing]
            var idle = ["deleted = 0", "NOT (\(firing))"]
            if let position {
                due.append("(next_run_at, key) \(order.after) (?, ?)")
                idle.append("(next_run_order, key) \(order.after) (?, ?)")
                arguments += position + position
            }
            sql = """
                SELECT next_run_at AS sort_value, key FROM jobs INDEXED BY jobs_due_by_key WHERE \(due.joined(separator: " AND ")) \
                UNION ALL SELECT next_run_order AS sort_value, key FROM jobs INDEXED BY jobs_idle_by_next_run_order \
                WHERE \(idle.joined(separator: " AND ")) ORDER BY sort_value \(order.direction), key \(order.direction) LIMIT 1 OFFSET ?
                """
        } else {
            var conditions = ["deleted = 0"]
            if let position {
                conditions.append(order.keyset)
                arguments += position
            }
            sql = """
                SELECT \(order.expression), key FROM jobs INDEXED BY \(order.index) WHERE \(conditions.joined(separator: " AND ")) \
                ORDER BY \(order.orderBy) LIMIT 1 OFFSET ?
                """
        }
        guard let row = try Row.fetchOne(db, sql: sql, arguments: arguments + [offset]) else { return nil }
        return (row[0], row[1])
    }

    /// The narrowing to use, if any: the one with the fewest matches under the bound.
    func choose(_ db: Database) throws -> Narrowing? {
        guard !narrowings.isEmpty else { return nil }
        let bound = try bound(db)
        var best: (count: Int, narrowing: Narrowing)?
        for narrowing in narrowings {
            let count = try Int.fetchOne(db, sql: narrowing.probe, arguments: narrowing.probeArguments + [bound]) ?? 0
            if count < bound, count < (best?.count ?? Int.max) { best = (count, narrowing) }
        }
        return best?.narrowing
    }

    /// The page's SELECT (job columns, then the sort value) and its arguments.
    func statement(_ narrowing: Narrowing?, until boundary: (value: DatabaseValue, key: String)? = nil) -> (sql: String, arguments: StatementArguments) {
        var conditions = conditions
        var arguments = arguments
        if let condition = narrowing?.condition {
            conditions.append(condition)
            arguments += narrowing?.conditionArguments ?? []
        }
        if narrowing == nil, order.field == .nextRunAt { return merged(conditions, arguments, until: boundary) }
        if let boundary {
            let upTo = order.after == ">" ? "<=" : ">="
            if order.isKey {
                conditions.append("key \(upTo) ?")
                arguments += [boundary.key]
            } else {
                conditions.append("(\(order.expression), key) \(upTo) (?, ?)")
                arguments += [boundary.value, boundary.key]
            }
        }
        if let position {
            conditions.append(order.keyset)
            arguments += position
        }
        arguments += [limit + 1]
        let sql = """
            SELECT \(SQLiteJobStore.jobColumns), \(order.expression) FROM jobs \(narrowing?.access ?? "INDEXED BY \(order.index)") \
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY \(order.orderBy) LIMIT ?
            """
        return (sql, arguments)
    }

    /// The nextRunAt walk: two index walks merged (SQLite's `MERGE (UNION ALL)`), jobs that fire
    /// in `jobs_due_by_key` and the others in `jobs_idle_by_next_run_order`, so that a fire,
    /// which moves its job in the due index anyway, moves no entry for this order.
    private func merged(
        _ conditions: [String], _ arguments: StatementArguments, until boundary: (value: DatabaseValue, key: String)?
    ) -> (sql: String, arguments: StatementArguments) {
        let firing = "enabled = 1 AND paused = 0 AND next_run_at IS NOT NULL"
        var due = conditions + [firing]
        var idle = conditions + ["NOT (\(firing))"]
        var dueArguments = arguments
        var idleArguments = arguments
        if let position {
            due.append("(next_run_at, key) \(order.after) (?, ?)")
            idle.append("(next_run_order, key) \(order.after) (?, ?)")
            dueArguments += position
            idleArguments += position
        }
        if let boundary {
            let upTo = order.after == ">" ? "<=" : ">="
            due.append("(next_run_at, key) \(upTo) (?, ?)")
            idle.append("(next_run_order, key) \(upTo) (?, ?)")
            dueArguments += [boundary.value, boundary.key]
            idleArguments += [boundary.value, boundary.key]
        }
        let sql = """
            SELECT \(SQLiteJobStore.jobColumns), next_run_at AS sort_value FROM jobs INDEXED BY jobs_due_by_key \
            WHERE \(due.joined(separator: " AND ")) \
            UNION ALL \
            SELECT \(SQLiteJobStore.jobColumns), next_run_order AS sort_value FROM jobs INDEXED BY jobs_idle_by_next_run_order \
            WHERE \(idle.joined(separator: " AND ")) \
            ORDER BY sort_value \(order.direction), key \(order.direction) LIMIT ?
            """
        return (sql, dueArguments + idleArguments + [limit + 1])
    }
}
