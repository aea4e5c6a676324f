import Foundation
import KairosCore
import KairosHTTP
import KairosSQLite
import KairosStore
import KairosTestSupport
import Testing

/// The first admin key (docs/API.md, "Authentication"), as `kairos serve` sets it up at start.
@Suite("Admin key at start")
struct AdminKeyBootstrapTests {
    /// A real store on which another instance creates `other` just after this one's first
    /// look-up of a key (two `kairos serve` with the same `KAIROS_ADMIN_KEY` starting together on
    /// one PostgreSQL database) or its first count of keys (two without it, on an empty database):
    /// the interleaving made deterministic.
    struct CreatedMeanwhile: APIKeyStore {
        enum Moment { case lookUp, count }

        let base: SQLiteJobStore
        let other: APIKeyRecord
        var after = Moment.lookUp
        let raced = Locked(false)

        /// Creates `other` the first time this store reaches `moment`.
        private func race(at moment: Moment) async throws {
            guard moment == after else { return }
            let first = raced.withLock { done -> Bool in
                defer { done = true }
                return !done
            }
            if first { try await base.createAPIKey(other) }
        }

        func apiKey(hash: String) async throws -> APIKeyRecord? {
            let found = try await base.apiKey(hash: hash)
            try await race(at: .lookUp)
            return found
        }
        func apiKeyCount() async throws -> Int {
            let count = try await base.apiKeyCount()
            try await race(at: .count)
            return count
        }
        func createAPIKey(_ key: APIKeyRecord) async throws { try await base.createAPIKey(key) }
        func listAPIKeys(includeRevoked: Bool) async throws -> [APIKeyRecord] { try await base.listAPIKeys(includeRevoked: includeRevoked) }
        func revokeAPIKey(id: UUID, now: Date) async throws -> APIKeyRecord { try await base.revokeAPIKey(id: id, now: now) }
        func createFirstAPIKey(_ key: APIKeyRecord) async throws -> Bool { try await base.createFirstAPIKey(key) }
    }

    @Test("without KAIROS_ADMIN_KEY, a first key created by another instance after this one counted none: this one creates and prints none")
    func firstKeyCreatedMeanwhile() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteJobStore(path: directory.path("keys.db"))
        let other = APIKeySecret.make(name: "admin (first start)", role: .admin, now: Date()).record
        let printed = try await AdminKeyBootstrap.run(
            store: CreatedMeanwhile(base: store, other: other, after: .count), environmentKey: nil, now: Date())
        #expect(printed == nil, "the other instance printed its key")
        #expect(try await store.listAPIKeys(includeRevoked: true).map(\.hash) == [other.hash])
        let fresh = try SQLiteJobStore(path: directory.path("fresh.db"))
        let secret = try #require(try await AdminKeyBootstrap.run(store: fresh, environmentKey: nil, now: Date()), "alone on an empty store: one key, printed")
        #expect(try await fresh.apiKey(hash: APIKeySecret.hash(secret))?.role == .admin)
    }

    @Test("KAIROS_ADMIN_KEY created by another instance between the look-up and the insert: this one comes up too, one key stored")
    func environmentKeyCreatedMeanwhile() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteJobStore(path: directory.path("keys.db"))
        let secret = "admin-key-for-two-instances"
        let other = APIKeySecret.record(for: secret, name: "admin (KAIROS_ADMIN_KEY)", role: .admin, now: Date())
        let printed = try await AdminKeyBootstrap.run(store: CreatedMeanwhile(base: store, other: other), environmentKey: secret, now: Date())
        #expect(printed == nil, "nothing to print: the key is the environment's")
        let keys = try await store.listAPIKeys(includeRevoked: true)
        #expect(keys.map(\.hash) == [other.hash])
    }

    @Test("KAIROS_ADMIN_KEY equal to a viewer key created meanwhile is still refused, naming the key")
    func environmentKeyTakenByAnotherRole() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteJobStore(path: directory.path("keys.db"))
        let secret = "a-viewer-key-value-0123"
        let viewer = APIKeySecret.record(for: secret, name: "dashboards", role: .viewer, now: Date())
        await #expect(throws: APIError.self) {
            try await AdminKeyBootstrap.run(store: CreatedMeanwhile(base: store, other: viewer), environmentKey: secret, now: Date())
        }
    }
}
