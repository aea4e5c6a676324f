import ArgumentParser
import Foundation
import KairosStore

/// `kairos migrate`: applies the store's pending schema migrations and lists the schema.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the store's pending schema migrations and print them.",
        discussion: """
            Migrations also run when kairos serve starts; this runs them ahead of a deployment. \
            Safe while a server runs and when several processes migrate at once. Exits 1 when the \
            store cannot be opened, when its schema is newer than this binary knows, or when the \
            database file does not exist (unless --create: then it is made and migrated).
            """
    )

    @Option(help: "The job store: \(StoreAddress.forms).")
    var store = "sqlite:kairos.db"

    @Flag(help: "Create the database when the file does not exist yet (SQLite; a PostgreSQL database must exist).")
    var create = false

    @Option(help: "A file whose first line is the PostgreSQL password (when neither the URL nor PGPASSWORD has one).")
    var pgPasswordFile: String?

    func validate() throws { _ = try StoreAddress(store, passwordFile: pgPasswordFile) }

    func run() async throws {
        let location = try StoreAddress(store, passwordFile: pgPasswordFile)
        do {
            let (applied, all) = try await location.withStore(create: create) { store in
                (try await store.migrate(), try await store.appliedMigrations())
            }
            for migration in applied { print("applied \(migration)") }
            print("\(location): \(all.count) migration\(all.count == 1 ? "" : "s") applied, latest \(all.last ?? "none")\(applied.isEmpty ? " (up to date)" : "")")
        } catch let missing as StoreLocation.Missing {
            printError("error: \(missing); kairos serve --store \(location) creates it, or pass --create to make a new store there")
            throw ExitCode(1)
        } catch {
            printError("cannot migrate the store \(location): \(error)")
            throw ExitCode(1)
        }
    }
}
