import ArgumentParser
import KairosEngine

/// `kairos`: the Kairos job scheduler's command-line entry point.
@main
struct KairosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kairos",
        abstract: "Kairos: a durable cron, interval and one-off job scheduler.",
        version: KairosEngine.version,
        subcommands: [
            ServeCommand.self, MigrateCommand.self, JobsCommand.self, StatusCommand.self, HealthCommand.self, KeysCommand.self, CronCommand.self,
            BenchCommand.self,
        ]
    )
}
