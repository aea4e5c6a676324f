import Foundation
import KairosCore
import KairosStore
import Logging
import PostgresNIO

/// LISTEN/NOTIFY between handles (docs/POSTGRES.md, "Notifications"): every write that gives
/// other instances something to do calls `pg_notify` in its own transaction (delivered on
/// commit only, identical ones collapsed by PostgreSQL), and each handle's ``run()`` keeps one
/// connection that listens and passes what it hears to ``changes()``.
extension PostgresJobStore: StoreChangeFeed {
    /// The one channel; the payload is a ``StoreChange``: `jobs`, `work` or
    /// `stopped:<job id>:<microseconds>`.
    static let changeChannel = "kairos_changes"
    /// The listening connection's `application_name` (visible in `pg_stat_activity`).
    public static let listenerApplicationName = "kairos-listen"
    /// The longest wait between two attempts to connect the listener again.
    static let listenerMaximumBackoff: Duration = .seconds(5)

    public func changes() -> AsyncStream<StoreChange> {
        changeSubscribers.subscribe()
    }

    /// Listens until the task is cancelled, connecting again whenever the connection ends, after
    /// a backoff from 100 ms, doubling, at most ``listenerMaximumBackoff`` (back to 100 ms once a
    /// LISTEN was in place). Each time the LISTEN is in place every change kind is reported
    /// once: what was committed while no connection listened is not lost, only late.
    func listenForChanges() async {
        var failures = 0
        while !Task.isCancelled {
            let listened = Locked(false)
            var failure: (any Error)?
            do {
                try await listenOnce(listened: listened)
            } catch {
                failure = error
            }
            if Task.isCancelled { return }
            if listened.withLock({ $0 }) { failures = 0 }
            failures += 1
            logger.warning(
                "the connection listening for store changes ended; connecting again",
                metadata: ["error": "\(failure.map { Self.describe($0) } ?? "none")", "failures": "\(failures)"])
            let backoff = min(Self.listenerMaximumBackoff, .milliseconds(100) * (1 << min(failures - 1, 10)))
            try? await Task.sleep(for: backoff)
        }
    }

    /// One listening connection, until it fails, stops answering its keep-alive query or the
    /// task is cancelled.
    private func listenOnce(listened: Locked<Bool>) async throws {
        var configuration = try self.configuration.connectionConfiguration()
        configuration.options.additionalStartupParameters = [("application_name", Self.listenerApplicationName)]
        let connection = try await PostgresConnection.connect(
            on: PostgresClient.defaultEventLoopGroup.next(), configuration: configuration, id: 0, logger: logger
        ).get()
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await connection.listen(on: Self.changeChannel) { notifications in
                        listened.withLock { $0 = true }
                        self.changeSubscribers.publish([.jobs, .work])
                        for try await notification in notifications {
                            if let change = StoreChange(payload: notification.payload) { self.changeSubscribers.publish([change]) }
                        }
                    }
                }
                group.addTask { try await self.keepListening(connection) }
                try await group.next()
                group.cancelAll()
            }
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Every ``PostgresStoreConfiguration/listenerKeepAlive`` runs `SELECT 1` on the listening
    /// connection: a connection that died without a word (a partition, a frozen server) would
    /// otherwise listen to nothing until TCP gives up. No answer within the same time closes it.
    private func keepListening(_ connection: PostgresConnection) async throws {
        let interval = configuration.listenerKeepAlive
        while true {
            try await Task.sleep(for: interval)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { _ = try await connection.query("SELECT 1", logger: self.logger) }
                group.addTask {
                    try await Task.sleep(for: interval)
                    // Closing fails the query in flight, so that this group can end.
                    try? await connection.close()
                    throw StoreError(.unavailable, "the listening connection to \(self.configuration) did not answer within \(interval)")
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }
}

extension Session {
    /// Notifies every listening handle of `change` when the transaction commits. Several
    /// identical notifications in one transaction are delivered once.
    func notify(_ change: StoreChange) async throws {
        try await execute("SELECT pg_notify($1, $2)", [Bind(PostgresJobStore.changeChannel), Bind(change.payload)])
    }
}

extension StoreChange {
    /// The notification's payload.
    var payload: String {
        switch self {
        case .jobs: "jobs"
        case .work: "work"
        case .jobStopped(let id, let at): "stopped:\(id.uuidString):\(Micros.from(at))"
        }
    }

    /// The change a payload names; `nil` for one this version does not know.
    init?(payload: String) {
        switch payload {
        case "jobs": self = .jobs
        case "work": self = .work
        default:
            let parts = payload.split(separator: ":")
            guard parts.count == 3, parts[0] == "stopped", let id = UUID(uuidString: String(parts[1])), let micros = Int64(parts[2]) else { return nil }
            self = .jobStopped(id, at: Micros.date(micros))
        }
    }
}

/// The consumers of one handle's ``PostgresJobStore/changes()``.
final class ChangeSubscribers: Sendable {
    private let continuations = Locked<[UUID: AsyncStream<StoreChange>.Continuation]>([:])

    func subscribe() -> AsyncStream<StoreChange> {
        let (stream, continuation) = AsyncStream.makeStream(of: StoreChange.self, bufferingPolicy: .bufferingNewest(64))
        let id = UUID()
        continuation.onTermination = { [weak self] _ in
            _ = self?.continuations.withLock { $0.removeValue(forKey: id) }
        }
        continuations.withLock { $0[id] = continuation }
        return stream
    }

    func publish(_ changes: [StoreChange]) {
        let targets = continuations.withLock { Array($0.values) }
        for continuation in targets {
            for change in changes { continuation.yield(change) }
        }
    }
}
