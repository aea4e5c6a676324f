import Foundation
import KairosCore
import KairosStore
import Testing

/// A session record whose hashes are fixed 64-character hex strings derived from `seed`.
private func webSession(_ seed: Character, key: Character = "k", createdAt: Date, lastSeenAt: Date? = nil) -> WebSessionRecord {
    WebSessionRecord(hash: String(repeating: seed, count: 64), keyHash: String(repeating: key, count: 64), createdAt: createdAt, lastSeenAt: lastSeenAt ?? createdAt)
}

extension StoreConformance {
    static let webSessionCases: [StoreConformanceCase] = [
        StoreConformanceCase("dashboard sessions: create, look up by hash, touch (never backwards), delete") { store in
            let session = webSession("a", createdAt: at(0))
            try await store.createWebSession(session)
            #expect(try await store.webSession(hash: session.hash) == session)
            #expect(try await store.webSession(hash: String(repeating: "b", count: 64)) == nil)
            await expectStoreError(.keyConflict, "the same hash twice") { try await store.createWebSession(session) }

            try await store.touchWebSession(hash: session.hash, now: at(90))
            #expect(try await store.webSession(hash: session.hash)?.lastSeenAt == at(90))
            try await store.touchWebSession(hash: session.hash, now: at(30))
            #expect(try await store.webSession(hash: session.hash)?.lastSeenAt == at(90), "an older request does not move it back")
            #expect(try await store.webSession(hash: session.hash)?.createdAt == at(0))
            try await store.touchWebSession(hash: String(repeating: "c", count: 64), now: at(90))
            #expect(try await store.webSession(hash: String(repeating: "c", count: 64)) == nil, "touching an unknown session creates nothing")

            try await store.deleteWebSession(hash: session.hash)
            #expect(try await store.webSession(hash: session.hash) == nil)
            try await store.deleteWebSession(hash: session.hash)
        },

        StoreConformanceCase("dashboard sessions: ended ones (created or last seen before the cutoffs) are deleted in bounded batches") { store in
            let old = webSession("1", createdAt: at(0), lastSeenAt: at(500))
            let idle = webSession("2", createdAt: at(200), lastSeenAt: at(250))
            let live = webSession("3", createdAt: at(200), lastSeenAt: at(400))
            let recent = webSession("4", createdAt: at(300), lastSeenAt: at(300))
            for session in [old, idle, live, recent] { try await store.createWebSession(session) }
            // Created before 100, or last seen before 300.
            #expect(try await store.deleteWebSessions(createdBefore: at(100), seenBefore: at(300), limit: 0) == 0)
            #expect(try await store.deleteWebSessions(createdBefore: at(100), seenBefore: at(300), limit: 1) == 1)
            #expect(try await store.deleteWebSessions(createdBefore: at(100), seenBefore: at(300), limit: 10) == 1)
            #expect(try await store.deleteWebSessions(createdBefore: at(100), seenBefore: at(300), limit: 10) == 0)
            #expect(try await store.webSession(hash: old.hash) == nil)
            #expect(try await store.webSession(hash: idle.hash) == nil)
            #expect(try await store.webSession(hash: live.hash) == live)
            #expect(try await store.webSession(hash: recent.hash) == recent, "last seen exactly at the cutoff is not before it")
        },

        StoreConformanceCase("two handles: a session created through one is found, touched and deleted through the other", handles: { handles in
            let a = try await handles.open()
            let b = try await handles.open()
            let session = webSession("e", createdAt: at(0))
            try await a.createWebSession(session)
            #expect(try await b.webSession(hash: session.hash) == session)
            try await b.touchWebSession(hash: session.hash, now: at(60))
            #expect(try await a.webSession(hash: session.hash)?.lastSeenAt == at(60))
            try await b.deleteWebSession(hash: session.hash)
            #expect(try await a.webSession(hash: session.hash) == nil)
        }),
    ]
}
