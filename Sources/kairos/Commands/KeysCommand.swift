import ArgumentParser
import Foundation
import KairosCore
import KairosHTTP
import KairosSQLite
import KairosStore

/// `kairos keys create|list|revoke`: API keys, managed directly in the store (no server
/// needed), so that the first key can be made before a server runs.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create, list and revoke API keys directly in the store (works without a server).",
        discussion: """
            Keys have a role: viewer (read), operator (read, change jobs, act) or admin (also keys). \
            Only a hash of each key is stored; `create` prints the secret once. A running server \
            sees a new key at once and a revoked one within 5 seconds.

            \(ClientExit.help)
            """,
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct StoreOptions: ParsableArguments {
        @Option(help: "The job store: \(StoreAddress.forms) (the same as kairos serve).")
        var store = "sqlite:kairos.db"

        @Option(help: "A file whose first line is the PostgreSQL password (when neither the URL nor PGPASSWORD has one).")
        var pgPasswordFile: String?

        func validate() throws { _ = try StoreAddress(store, passwordFile: pgPasswordFile) }

        /// Opens the store and runs `body` with it. A database file that does not exist is
        /// refused (exit 1) unless `create` (`keys create --create`): in the wrong directory a
        /// new empty store would take the key, and the server would refuse it. `offersCreate`:
        /// the command has --create, which the message then suggests.
        func withStore<T: Sendable>(create: Bool = false, offersCreate: Bool = false, _ body: @Sendable (any JobStore) async throws -> T) async throws -> T {
            let location = try StoreAddress(store, passwordFile: pgPasswordFile)
            do {
                return try await location.withStore(create: create, body)
            } catch let exit as ExitCode {
                throw exit
            } catch let missing as StoreLocation.Missing {
                let hint = offersCreate ? "; kairos serve --store \(location) creates it, or pass --create to make a new store there" : "; --store \(StoreLocation.forms) names the database of kairos serve, which creates it"
                throw clientFailure(ClientExit.failure, "\(missing)\(hint)")
            } catch {
                throw clientFailure(ClientExit.failure, "cannot open the store \(location): \(error)")
            }
        }
    }

    static func json(_ record: APIKeyRecord, secret: String? = nil) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(record.id.uuidString),
            "name": .string(record.name),
            "role": .string(record.role.rawValue),
            "prefix": .string(record.prefix),
            "createdAt": .string(Timestamp.formatPrecise(record.createdAt)),
            "revokedAt": record.revokedAt.map { .string(Timestamp.formatPrecise($0)) } ?? .null,
        ]
        if let secret { object["secret"] = .string(secret) }
        return .object(object)
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API key and print its secret (shown once: it cannot be recovered).",
            discussion: """
                A database file that does not exist is refused (exit 1), so that a key is not made \
                in a new empty store by mistake (the wrong directory, a typo); --create makes it \
                (then run kairos serve on it). The secret is the last line of the output. \(ClientExit.help)
                """)

        @OptionGroup var storeOptions: StoreOptions

        @Option(help: "The key's role: viewer, operator or admin.")
        var role: String

        @Option(help: "A name that says who or what uses the key (1-100 characters).")
        var name: String

        @Flag(help: "Create the database when the file does not exist yet.")
        var create = false

        @Flag(help: "Print the key as JSON (with its secret).")
        var json = false

        func validate() throws {
            guard APIKeyRole(rawValue: role) != nil else {
                throw ValidationError("--role must be one of \(APIKeyRole.allCases.map(\.rawValue).joined(separator: ", ")), got '\(role)'")
            }
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, trimmed.count <= 100 else { throw ValidationError("--name must be 1 to 100 characters") }
        }

        func run() async throws {
            let role = APIKeyRole(rawValue: role)!
            let (secret, record) = APIKeySecret.make(name: name.trimmingCharacters(in: .whitespaces), role: role, now: Date())
            try await storeOptions.withStore(create: create, offersCreate: true) { store in
                do {
                    try await store.createAPIKey(record)
                } catch {
                    throw clientFailure(ClientExit.failure, "cannot create the key: \(error)")
                }
            }
            if json {
                printJSON(KeysCommand.json(record, secret: secret))
            } else {
                print("created \(role.rawValue) key '\(record.name)' (id \(record.id.uuidString), prefix \(record.prefix)). Its secret, shown only once:")
                print(secret)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List API keys (never their secrets): ID, NAME, ROLE, PREFIX, CREATED, REVOKED.", discussion: ClientExit.help)

        @OptionGroup var storeOptions: StoreOptions

        @Flag(help: "Also list revoked keys.")
        var includeRevoked = false

        @Flag(help: "Print {\"items\": [...]} as JSON.")
        var json = false

        func run() async throws {
            let includeRevoked = includeRevoked
            let records = try await storeOptions.withStore { store in
                do {
                    return try await store.listAPIKeys(includeRevoked: includeRevoked)
                } catch {
                    throw clientFailure(ClientExit.failure, "cannot list the keys: \(error)")
                }
            }
            if json {
                printJSON(.object(["items": .array(records.map { KeysCommand.json($0) }), "nextCursor": .null]))
            } else if records.isEmpty {
                print(includeRevoked ? "no keys" : "no active keys")
            } else {
                printTable(
                    ["ID", "NAME", "ROLE", "PREFIX", "CREATED", "REVOKED"],
                    records.map { record in
                        [record.id.uuidString, cell(record.name, limit: 40), record.role.rawValue, record.prefix,
                         displayTime(record.createdAt), displayTime(record.revokedAt)]
                    })
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke an API key by id: it authenticates nothing from then on.",
            discussion: """
                The last active admin key is kept unless --force is given (a new one can always be \
                made with kairos keys create). Revoking a revoked key changes nothing. An unknown id \
                exits 3; the last admin key without --force exits 6. \(ClientExit.help)
                """)

        @OptionGroup var storeOptions: StoreOptions

        @Argument(help: "The key's id (see kairos keys list).")
        var id: String

        @Flag(help: "Revoke even the last active admin key.")
        var force = false

        @Flag(help: "Print the revoked key as JSON.")
        var json = false

        func run() async throws {
            guard let uuid = UUID(uuidString: id) else {
                throw clientFailure(ClientExit.notFound, "no API key with id '\(id)' (a key id is a UUID; see kairos keys list)")
            }
            try await storeOptions.withStore { store in try await revoke(uuid, store: store) }
        }

        private func revoke(_ uuid: UUID, store: any JobStore) async throws {
            do {
                let all = try await store.listAPIKeys(includeRevoked: true)
                guard let target = all.first(where: { $0.id == uuid }) else {
                    throw clientFailure(ClientExit.notFound, "no API key with id \(uuid.uuidString)")
                }
                let activeAdmins = all.filter { $0.role == .admin && !$0.isRevoked }
                if !force, !target.isRevoked, target.role == .admin, activeAdmins.count == 1 {
                    throw clientFailure(
                        ClientExit.conflict,
                        "'\(target.name)' is the last active admin key; create another admin key first, or pass --force")
                }
                let revoked = try await store.revokeAPIKey(id: uuid, now: Date())
                if json {
                    printJSON(KeysCommand.json(revoked))
                } else {
                    print("revoked \(revoked.role.rawValue) key '\(revoked.name)' (\(revoked.prefix)…) at \(displayTime(revoked.revokedAt))")
                }
            } catch let error as ExitCode {
                throw error
            } catch {
                throw clientFailure(ClientExit.failure, "cannot revoke the key: \(error)")
            }
        }
    }
}
