import ArgumentParser
import Foundation
import KairosCore

/// `kairos cron validate|next|explain`: check and preview cron expressions offline.
struct CronCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cron",
        abstract: "Validate, preview and explain cron expressions.",
        subcommands: [Validate.self, Next.self, Explain.self]
    )

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check an expression: exit 0 with a one-line summary, or exit 1 with the error on stderr."
        )

        @Argument(help: "The cron expression (quote it).")
        var expression: [String]

        @Option(help: "IANA time zone to check the expression in: also prints its next 5 fire times there.")
        var tz: String?

        func run() async throws {
            let cron = try parseExpression(expression, command: "validate")
            let zone = try tz.map(parseZone)
            print("valid: \(cron.source) (\(cron.humanDescription); \(cron.isFixedTime ? "fixed-time" : "wildcard"))")
            if let zone { printFires(cron, in: zone, count: 5, heading: "next fires in \(zone.identifier)") }
        }
    }

    struct Next: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the next fire times strictly after an instant."
        )

        @Argument(help: "The cron expression (quote it).")
        var expression: [String]

        @Option(help: "ISO 8601 instant to start after (default: now). Without an offset it is local time in --tz.")
        var after: String?

        @Option(help: "IANA time zone the expression is evaluated in.")
        var tz: String = "UTC"

        @Option(help: "How many fire times to print (1-10000).")
        var count: Int = 5

        @Flag(help: "Print one JSON object: {\"expression\", \"timezone\", \"next\": [...]}.")
        var json = false

        func run() async throws {
            let cron = try parseExpression(expression, command: "next")
            let zone = try parseZone(tz)
            let start = try parseAfter(after, zone: zone)
            guard (1...10_000).contains(count) else { throw fail("--count must be between 1 and 10000, got \(count)") }
            let fires = cron.nextFires(after: start, in: zone, count: count).map { Timestamp.format($0, in: zone) }
            if json {
                let list = fires.map(jsonString).joined(separator: ", ")
                print("{\"expression\": \(jsonString(cron.source)), \"timezone\": \(jsonString(zone.identifier)), \"next\": [\(list)]}")
            } else {
                fires.forEach { print($0) }
            }
        }
    }

    struct Explain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Describe an expression in words and show its next fire times (5 unless --count)."
        )

        @Argument(help: "The cron expression (quote it).")
        var expression: [String]

        @Option(help: "IANA time zone the expression is evaluated in.")
        var tz: String = "UTC"

        @Option(help: "How many next fire times to show (1-10000).")
        var count: Int = 5

        func run() async throws {
            let cron = try parseExpression(expression, command: "explain")
            let zone = try parseZone(tz)
            guard (1...10_000).contains(count) else { throw fail("--count must be between 1 and 10000, got \(count)") }
            print("\(cron.source)")
            print("  \(cron.humanDescription) (\(zone.identifier))")
            print("  \(cron.isFixedTime ? "fixed-time: fires once across daylight-saving changes" : "wildcard: fires at every real instant that matches")")
            printFires(cron, in: zone, count: count)
        }
    }
}

/// Prints `  HEADING:` and the next `count` fire times from now, local time in `zone`.
func printFires(_ cron: CronExpression, in zone: ZoneRules, count: Int, heading: String = "next fires") {
    print("  \(heading):")
    for fire in cron.nextFires(after: Date(), in: zone, count: count) {
        print("    \(Timestamp.format(fire, in: zone))")
    }
}

/// Prints the message to stderr and returns the exit code for invalid input.
func fail(_ message: String) -> ExitCode {
    printError("error: \(message)")
    return ExitCode(1)
}

/// The expression of `kairos cron <command>`: one argument. An unquoted expression reaches
/// the command as several (the shell splits it at spaces and expands `*` into file names), so
/// more than one is refused with the quoting to use instead of a parse of the wrong text.
func parseExpression(_ words: [String], command: String) throws -> CronExpression {
    guard let text = words.first else { throw fail("missing the cron expression: kairos cron \(command) '0 9 * * *'") }
    guard words.count == 1 else {
        let shown = words.prefix(8).map { "'\($0)'" }.joined(separator: " ") + (words.count > 8 ? " …" : "")
        throw fail(
            "the cron expression arrived as \(words.count) arguments (\(shown)): quote the expression, as in kairos cron \(command) '0 9 * * *' "
                + "(unquoted, the shell splits it and expands * into file names)")
    }
    return try parseExpression(text)
}

func parseExpression(_ text: String) throws -> CronExpression {
    do { return try CronExpression(text) } catch { throw fail("invalid cron expression '\(text)': \(error)") }
}

func parseZone(_ name: String) throws -> ZoneRules {
    do { return try ZoneRules.named(name) } catch { throw fail("\(error)") }
}

func parseAfter(_ text: String?, zone: ZoneRules) throws -> Date {
    guard let text else { return Date() }
    do { return try Timestamp.parse(text, defaultZone: zone) } catch { throw fail("--after: \(error)") }
}
