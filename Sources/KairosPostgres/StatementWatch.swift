import KairosCore
import PostgresNIO

/// The statements of one store handle in flight, so that one its connection will never answer
/// can be failed instead of waited for.
///
/// PostgresNIO 1.33 leaves a statement unanswered when the server closes its connection at the
/// wrong moment (a restart's `57P01` while the statement is being written or just after): its
/// `query` never returns, and whoever waits — a claim, a scheduling pass, a `COMMIT` — waits
/// forever. Two database restarts in a row stalled every instance that way (docs/POSTGRES.md,
/// "Failures"). So each statement runs in a task of its own while the caller waits for its
/// answer, and ``sweep()`` (every ``PostgresJobStore/statementSweepInterval`` while the store
/// runs) fails with ``ConnectionClosed`` those whose connection has closed. The abandoned task
/// stays suspended inside PostgresNIO; that happens once per lost connection at most.
final class StatementWatch: Sendable {
    private struct Entry {
        let connection: PostgresConnection
        let answer: Answer
    }

    private let inFlight = Locked<(next: UInt64, entries: [UInt64: Entry])>((0, [:]))

    /// How many statements wait for an answer now.
    var count: Int { inFlight.withLock { $0.entries.count } }

    /// Runs `statement` on `connection` and returns its rows, or throws ``ConnectionClosed`` when
    /// the connection closes before it answers.
    func rows(
        on connection: PostgresConnection, _ statement: @escaping @Sendable () async throws -> [PostgresRandomAccessRow]
    ) async throws -> [PostgresRandomAccessRow] {
        try await withCheckedThrowingContinuation { continuation in
            let answer = Answer(continuation)
            let id = inFlight.withLock { state -> UInt64 in
                state.next &+= 1
                state.entries[state.next] = Entry(connection: connection, answer: answer)
                return state.next
            }
            // Unstructured on purpose: a statement PostgresNIO never answers cannot be awaited
            // or cancelled, only left behind (see the type's comment).
            Task {
                let result: Result<[PostgresRandomAccessRow], any Error>
                do { result = .success(try await statement()) } catch { result = .failure(error) }
                _ = self.inFlight.withLock { $0.entries.removeValue(forKey: id) }
                answer.give(result)
            }
        }
    }

    /// Fails every statement in flight on a connection that has closed; returns how many.
    @discardableResult
    func sweep() -> Int {
        let closed = inFlight.withLock { state -> [Answer] in
            let ids = state.entries.filter { $0.value.connection.isClosed }.map(\.key)
            return ids.compactMap { state.entries.removeValue(forKey: $0)?.answer }
        }
        for answer in closed { answer.give(.failure(ConnectionClosed())) }
        return closed.count
    }

    /// A continuation resumed by whichever comes first: the statement's answer or the sweep.
    private final class Answer: Sendable {
        private let continuation = Locked<CheckedContinuation<[PostgresRandomAccessRow], any Error>?>(nil)

        init(_ continuation: CheckedContinuation<[PostgresRandomAccessRow], any Error>) {
            self.continuation.withLock { $0 = continuation }
        }

        func give(_ result: Result<[PostgresRandomAccessRow], any Error>) {
            let waiting = continuation.withLock { state in
                defer { state = nil }
                return state
            }
            waiting?.resume(with: result)
        }
    }
}

/// A statement was not answered: its connection had closed (the transaction, if any, is gone
/// with it).
struct ConnectionClosed: Error, CustomStringConvertible {
    var description: String { "the connection closed" }
}
