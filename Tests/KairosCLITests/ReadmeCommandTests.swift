import Foundation
import KairosTestSupport
import Testing

/// Command lines as README.md writes them, run against a real `kairos serve`: each form the
/// README shows parses and does what it says (issue #11, bug 11).
@Suite("README command lines (process)", .serialized)
struct ReadmeCommandTests {
    typealias Client = ClientCommandTests

    @Test("jobs list --sort -nextRunAt (the README's form) and --sort=-nextRunAt list the same descending order; --help says how to order")
    func sortWithLeadingDash() async throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("kairos.db")
        let admin = try await Client.createKey(db, role: "admin", name: "admin")
        let (server, url) = try await Client.serve(db, in: dir.url)
        let client = ["--server", url, "--key", admin.secret]
        for (key, hours) in [("soon", 1), ("later", 3), ("middle", 2)] {
            let body = #"{"key": "\#(key)", "task": "system.noop", "schedule": {"type": "interval", "hours": \#(hours)}}"#
            let created = try await Client.kairos(["jobs", "create", "-"] + client, stdin: body)
            #expect(created.status == 0, "\(created.stderr)")
        }
        for sort in [["--sort", "-nextRunAt"], ["--sort=-nextRunAt"]] {
            let result = try await Client.kairos(["jobs", "list", "--no-system", "--json"] + sort + client)
            #expect(result.status == 0, "\(sort): \(result.stderr)")
            let list = try JSONDecoder().decode(Client.JobList.self, from: Data(result.stdout.utf8))
            #expect(list.items.map(\.key) == ["later", "middle", "soon"], "\(sort)")
        }
        let ascending = try await Client.kairos(["jobs", "list", "--no-system", "--json", "--sort", "nextRunAt"] + client)
        #expect(try JSONDecoder().decode(Client.JobList.self, from: Data(ascending.stdout.utf8)).items.map(\.key) == ["soon", "middle", "later"])
        let unknown = try await Client.kairos(["jobs", "list", "--sort", "-size"] + client)
        #expect(unknown.status == 2, "\(unknown)")
        #expect(unknown.stderr.contains("'-size'"), "the server names the value: \(unknown.stderr)")

        let help = try await Client.kairos(["jobs", "list", "--help"])
        #expect(help.status == 0)
        let words = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.contains("Jobs are ordered by key unless --sort names another order"), "\(help.stdout)")
        #expect(words.contains("--sort -nextRunAt for descending"), "\(help.stdout)")

        server.signal(SIGTERM)
        #expect(try await server.waitForExit(within: 10) == 0)
    }

    @Test("jobs delete KEY --json and with --if-version N --json print {deleted, job}; a stale version is 6 and deletes nothing")
    func deleteJSON() async throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("kairos.db")
        let admin = try await Client.createKey(db, role: "admin", name: "admin")
        let (server, url) = try await Client.serve(db, in: dir.url)
        let client = ["--server", url, "--key", admin.secret]
        for key in ["first", "second"] {
            let body = #"{"key": "\#(key)", "task": "system.noop", "schedule": {"type": "interval", "hours": 1}}"#
            #expect(try await Client.kairos(["jobs", "create", "-"] + client, stdin: body).status == 0)
        }

        var result = try await Client.kairos(["jobs", "delete", "first", "--json"] + client)
        #expect(result.status == 0, "\(result.stderr)")
        var answer = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(answer["deleted"] as? Bool == true)
        #expect(answer["job"] as? String == "first")

        result = try await Client.kairos(["jobs", "delete", "second", "--if-version", "2", "--json"] + client)
        #expect(result.status == 6, "second is at version 1: \(result)")
        #expect(result.stdout.isEmpty)
        result = try await Client.kairos(["jobs", "delete", "second", "--if-version", "1", "--json"] + client)
        #expect(result.status == 0, "\(result.stderr)")
        answer = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(answer["job"] as? String == "second")

        result = try await Client.kairos(["jobs", "list", "--no-system", "--json"] + client)
        #expect(try JSONDecoder().decode(Client.JobList.self, from: Data(result.stdout.utf8)).items.isEmpty)
        result = try await Client.kairos(["jobs", "delete", "first", "--json"] + client)
        #expect(result.status == 3, "already deleted: \(result)")

        server.signal(SIGTERM)
        #expect(try await server.waitForExit(within: 10) == 0)
    }
}
