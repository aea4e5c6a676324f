import Foundation
import KairosCore
import KairosStore
import Testing

/// A key record whose hash is a fixed 64-character lower-case hex string derived from `seed`
/// (the store never sees secrets, so any unique hex string stands for a SHA-256).
private func apiKey(_ name: String, role: APIKeyRole = .viewer, seed: Character, createdAt: Date) -> APIKeyRecord {
    APIKeyRecord(name: name, role: role, prefix: "kairos_\(seed)\(seed)\(seed)\(seed)", hash: String(repeating: seed, count: 64), createdAt: createdAt)
}

extension StoreConformance {
    static let apiKeyCases: [StoreConformanceCase] = [
        StoreConformanceCase("API keys: create, look up by hash") { store in
            #expect(try await store.apiKeyCount() == 0, "a fresh store has no keys")
            let key = apiKey("ci deploy", role: .operator, seed: "a", createdAt: at(5))
            try await store.createAPIKey(key)
            let read = try #require(try await store.apiKey(hash: key.hash))
            #expect(read == key)
            #expect(read.id == key.id)
            #expect(read.name == "ci deploy")
            #expect(read.role == .operator)
            #expect(read.prefix == "kairos_aaaa")
            #expect(read.createdAt == at(5))
            #expect(read.revokedAt == nil)
            #expect(read.isRevoked == false)
        },

        StoreConformanceCase("API keys: an unknown hash finds nothing") { store in
            #expect(try await store.apiKey(hash: String(repeating: "0", count: 64)) == nil, "empty store")
            try await store.createAPIKey(apiKey("one", seed: "a", createdAt: t0))
            #expect(try await store.apiKey(hash: String(repeating: "b", count: 64)) == nil)
            #expect(try await store.apiKey(hash: "") == nil)
            #expect(try await store.apiKey(hash: "kairos_aaaa") == nil, "the prefix is not a hash")
        },

        StoreConformanceCase("API keys: listed oldest first, revoked ones only when asked") { store in
            #expect(try await store.listAPIKeys(includeRevoked: true).isEmpty)
            // Created out of order: the list follows createdAt, not insertion.
            let middle = apiKey("middle", seed: "b", createdAt: at(20))
            let newest = apiKey("newest", seed: "c", createdAt: at(30))
            let oldest = apiKey("oldest", seed: "a", createdAt: at(10))
            for key in [middle, newest, oldest] { try await store.createAPIKey(key) }
            #expect(try await store.listAPIKeys(includeRevoked: false).map(\.id) == [oldest.id, middle.id, newest.id])
            #expect(try await store.listAPIKeys(includeRevoked: true) == [oldest, middle, newest])

            try await store.revokeAPIKey(id: middle.id, now: at(40))
            #expect(try await store.listAPIKeys(includeRevoked: false).map(\.id) == [oldest.id, newest.id])
            let all = try await store.listAPIKeys(includeRevoked: true)
            #expect(all.map(\.id) == [oldest.id, middle.id, newest.id], "a revoked key keeps its place")
            #expect(all.map(\.isRevoked) == [false, true, false])
        },

        StoreConformanceCase("API keys: revoking is idempotent and keeps the first revokedAt") { store in
            let key = apiKey("laptop", role: .admin, seed: "d", createdAt: t0)
            let other = apiKey("other", seed: "e", createdAt: at(1))
            try await store.createAPIKey(key)
            try await store.createAPIKey(other)
            let revoked = try await store.revokeAPIKey(id: key.id, now: at(60))
            #expect(revoked.id == key.id)
            #expect(revoked.revokedAt == at(60))
            #expect(revoked.isRevoked)
            #expect(revoked.name == key.name)
            #expect(revoked.role == .admin)
            #expect(revoked.hash == key.hash)
            #expect(revoked.createdAt == t0)

            let again = try await store.revokeAPIKey(id: key.id, now: at(120))
            #expect(again.revokedAt == at(60), "the first revocation time is kept")
            #expect(again == revoked)
            let stored = try #require(try await store.apiKey(hash: key.hash), "a revoked key is still found by its hash")
            #expect(stored.revokedAt == at(60))
            #expect(try await store.apiKey(hash: other.hash)?.revokedAt == nil, "other keys are untouched")
        },

        StoreConformanceCase("API keys: revoking an unknown id is notFound") { store in
            await expectStoreError(.notFound, "revoke in an empty store") {
                try await store.revokeAPIKey(id: UUID(), now: t0)
            }
            try await store.createAPIKey(apiKey("kept", seed: "a", createdAt: t0))
            await expectStoreError(.notFound, "revoke an id no key has") {
                try await store.revokeAPIKey(id: UUID(), now: at(1))
            }
            #expect(try await store.listAPIKeys(includeRevoked: false).count == 1, "nothing was revoked")
        },

        StoreConformanceCase("API keys: a second key with the same hash is keyConflict") { store in
            let first = apiKey("first", seed: "f", createdAt: t0)
            try await store.createAPIKey(first)
            var duplicate = apiKey("second", role: .admin, seed: "f", createdAt: at(1))
            duplicate.prefix = "kairos_ffff"
            await expectStoreError(.keyConflict, "same hash") {
                try await store.createAPIKey(duplicate)
            }
            try await store.revokeAPIKey(id: first.id, now: at(2))
            await expectStoreError(.keyConflict, "same hash as a revoked key") {
                try await store.createAPIKey(apiKey("third", seed: "f", createdAt: at(3)))
            }
            #expect(try await store.apiKeyCount() == 1)
            #expect(try await store.apiKey(hash: first.hash)?.id == first.id, "the first key is unchanged")
            #expect(try await store.apiKey(hash: first.hash)?.name == "first")
        },

        StoreConformanceCase("API keys: the count includes revoked keys") { store in
            #expect(try await store.apiKeyCount() == 0)
            let a = apiKey("a", seed: "a", createdAt: t0)
            let b = apiKey("b", seed: "b", createdAt: at(1))
            try await store.createAPIKey(a)
            try await store.createAPIKey(b)
            #expect(try await store.apiKeyCount() == 2)
            try await store.revokeAPIKey(id: a.id, now: at(2))
            try await store.revokeAPIKey(id: b.id, now: at(3))
            #expect(try await store.apiKeyCount() == 2, "revoked keys still count: the store is not fresh")
            #expect(try await store.listAPIKeys(includeRevoked: false).isEmpty)
        },

        StoreConformanceCase("API keys: every role round-trips") { store in
            let seeds: [Character] = ["1", "2", "3"]
            var created: [APIKeyRecord] = []
            for (index, role) in APIKeyRole.allCases.enumerated() {
                let key = apiKey("key-\(role.rawValue)", role: role, seed: seeds[index], createdAt: at(Double(index)))
                try await store.createAPIKey(key)
                created.append(key)
            }
            for key in created {
                #expect(try await store.apiKey(hash: key.hash)?.role == key.role)
            }
            #expect(try await store.listAPIKeys(includeRevoked: false).map(\.role) == [.viewer, .operator, .admin])
        },

        StoreConformanceCase("API keys: roles are ordered viewer < operator < admin") { store in
            #expect(APIKeyRole.viewer < .operator)
            #expect(APIKeyRole.operator < .admin)
            #expect(APIKeyRole.viewer < .admin)
            #expect(!(APIKeyRole.admin < .admin))
            #expect(APIKeyRole.admin >= .operator, "admin includes operator")
            #expect([APIKeyRole.admin, .viewer, .operator].sorted() == [.viewer, .operator, .admin])
            // The order holds for stored roles too.
            try await store.createAPIKey(apiKey("reader", role: .viewer, seed: "a", createdAt: t0))
            try await store.createAPIKey(apiKey("boss", role: .admin, seed: "b", createdAt: at(1)))
            let roles = try await store.listAPIKeys(includeRevoked: false).map(\.role)
            #expect(roles.max() == .admin)
            #expect(roles.min() == .viewer)
        },

        StoreConformanceCase("API keys: the first key is created only while the store never had one") { store in
            let first = apiKey("first", role: .admin, seed: "a", createdAt: t0)
            #expect(try await store.createFirstAPIKey(first))
            #expect(try await store.apiKey(hash: first.hash) == first)
            #expect(try await !store.createFirstAPIKey(apiKey("second", role: .admin, seed: "b", createdAt: at(1))))
            _ = try await store.revokeAPIKey(id: first.id, now: at(2))
            #expect(try await !store.createFirstAPIKey(apiKey("third", role: .admin, seed: "c", createdAt: at(3))), "a revoked key still counts")
            #expect(try await store.apiKeyCount() == 1)
        },

        StoreConformanceCase("two handles: instances creating the first key at once store exactly one", handles: { handles in
            let stores = [try await handles.open(), try await handles.open()]
            for round in 0..<3 {
                // The first round races on an empty store; the later ones on a store that has a key.
                #expect(try await stores[0].apiKeyCount() == (round == 0 ? 0 : 1))
                let created = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for (index, store) in stores.enumerated() {
                        let seed: Character = ["a", "b", "c", "d", "e", "f"][round * 2 + index]
                        group.addTask { try await store.createFirstAPIKey(apiKey("first \(round) \(index)", role: .admin, seed: seed, createdAt: t0)) }
                    }
                    var created = 0
                    for try await stored in group where stored { created += 1 }
                    return created
                }
                #expect(created == (round == 0 ? 1 : 0), "round \(round)")
            }
            #expect(try await stores[1].listAPIKeys(includeRevoked: true).count == 1)
        }),
    ]
}
