import Foundation
import KairosTestSupport
import Testing

/// Commands that open a store file directly refuse one that does not exist, unless told to
/// create it: in the wrong directory they would work on a new empty store that no server reads
/// (issue #11, item 13). `serve` creates its file; so do `bench seed` and `bench dispatch`,
/// which want a new one.
@Suite("a store file that does not exist (process)")
struct MissingStoreTests {
    @Test("refused with exit 1, naming the path and how to create it, and nothing is created", arguments: [
        (["keys", "create", "--role", "admin", "--name", "ops"], "pass --create"),
        (["keys", "list"], "names the database of kairos serve, which creates it"),
        (["keys", "revoke", "8D0C3E51-6C3B-4B7E-9A51-0F7C59E3A1B2"], "names the database of kairos serve, which creates it"),
        (["migrate"], "pass --create"),
    ])
    func refused(arguments: [String], hint: String) async throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("typo.db")
        let result = try await KairosProcess.run(arguments + ["--store", "sqlite:\(db)"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("no store at \(db): the file does not exist"), "\(result.stderr)")
        #expect(result.stderr.contains(hint), "\(result.stderr)")
        #expect(result.stdout.isEmpty, "no secret is printed: \(result.stdout)")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.url.path)
        #expect(left.isEmpty, "nothing was created: \(left)")
    }

    @Test("--create makes the store (keys create, migrate); the key then works on it")
    func created() async throws {
        let dir = try TemporaryDirectory()
        let keysDB = dir.path("keys.db")
        var result = try await KairosProcess.run(["keys", "create", "--role", "admin", "--name", "ops", "--create", "--store", "sqlite:\(keysDB)"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("created admin key 'ops'"), "\(result.stdout)")
        result = try await KairosProcess.run(["keys", "list", "--store", "sqlite:\(keysDB)"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("ops"))

        let migrateDB = dir.path("migrate.db")
        result = try await KairosProcess.run(["migrate", "--create", "--store", "sqlite:\(migrateDB)"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("migrations applied"), "\(result.stdout)")
        result = try await KairosProcess.run(["migrate", "--store", "sqlite:\(migrateDB)"])
        #expect(result.status == 0, "it exists now: \(result.stderr)")
        #expect(result.stdout.contains("(up to date)"), "\(result.stdout)")
    }

    @Test("a relative path is shown resolved too, so that the wrong directory is seen")
    func relativePath() async throws {
        let name = "kairos-missing-\(UUID().uuidString.prefix(8)).db"
        let result = try await KairosProcess.run(["keys", "list", "--store", "sqlite:\(name)"])
        #expect(result.status == 1, "\(result)")
        let absolute = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(name).standardizedFileURL.path
        #expect(result.stderr.contains("no store at \(name) (\(absolute)): the file does not exist"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: absolute))
    }
}
