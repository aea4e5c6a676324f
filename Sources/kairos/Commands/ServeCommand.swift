import ArgumentParser

/// `kairos serve`: runs the scheduler service. The engine, stores and HTTP API land in later
/// issues; until then the command says so and exits non-zero.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the scheduler service (not built yet: see the README)."
    )

    func run() async throws {
        printError("kairos serve is not built yet: the job store, engine and HTTP API are still being written. The cron tools (kairos cron …) work today.")
        throw ExitCode(2)
    }
}
