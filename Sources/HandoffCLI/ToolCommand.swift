import ArgumentParser
import Foundation
import HandoffAgencyLink
import HandoffConfig
import HandoffPartners
import HandoffTransport

/// `handoff tool`: one step of what `handoff send` does, on a file named by hand, through the
/// very same code (the partner's transport from `TransportFactory`, the outbox's OpenPGP
/// step). Hidden from the help: it exists for `scripts/bench`, which times these steps beside
/// `curl` and `gpg`. It records nothing in the database.
struct ToolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tool",
        abstract:
            """
            One step of the outbox on a given file (for benchmarks): \
            upload through a partner's transport, or encrypt and sign.
            """,
        shouldDisplay: false,
        subcommands: [Upload.self, Encrypt.self])

    /// `handoff tool upload --partner ID FILE`
    struct Upload: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                """
                Deliver FILE through the partner's [transport] as the outbox does: \
                under a temporary name, then renamed; never overwritten.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Option(help: "The partner whose [transport] delivers the file.")
        var partner: String

        @Option(help: "The name at the agency (default: the file's own name).")
        var name: String?

        @Option(
            name: .customLong("batch-id"), help: "The batch id an HTTPS API names the batch by (default: the name).")
        var batchID: String?

        @Option(name: .customLong("sha256"),
            help:
                """
                The file's SHA-256 (64 hex digits) as the outbox recorded it when the file was staged; \
                computed here when not given.
                """
        )
        var sha256: String?

        @Argument(help: "The file to deliver.")
        var file: String

        func validate() throws {
            guard let sha256 else { return }
            let hex = sha256.utf8.allSatisfy { b in (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66) }
            if sha256.utf8.count != 64 || !hex {
                throw ValidationError("--sha256 must be 64 lowercase hex digits, as sha256sum prints them")
            }
        }

        func run() throws {
            let (config, partner) = try ToolCommand.load(global, partner)
            let remote = name ?? URL(fileURLWithPath: file).lastPathComponent
            let transport = try TransportFactory(root: config.root).transport(for: partner)
            // A send passes the hash recorded when the file was staged (`Delivery`); so does
            // the bench, so that the upload is timed as a send runs it.
            let outcome: UploadOutcome
            if let sha256 {
                outcome = try transport.deliver(
                    localPath: file, name: remote, batchKey: batchID ?? remote, sha256: sha256)
            } else {
                outcome = try transport.deliver(localPath: file, name: remote, batchKey: batchID ?? remote)
            }
            switch outcome {
            case .uploaded(let size): print("\(partner.id)  \(remote)  uploaded  \(size) bytes")
            case .alreadyPresent(let size):
                print("\(partner.id)  \(remote)  already at the agency (not sent again)  \(size) bytes")
            }
        }
    }

    /// `handoff tool encrypt --partner ID FILE OUT`
    struct Encrypt: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                """
                Encrypt FILE to the partner's key and sign it with the business's key, \
                as its [encryption] says, into OUT.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Option(help: "The partner whose [encryption] to use.")
        var partner: String

        @Argument(help: "The file to encrypt.")
        var file: String

        @Argument(help: "Where to write the encrypted file.")
        var output: String

        func run() throws {
            let (config, partner) = try ToolCommand.load(global, partner)
            guard let encryption = partner.encryption else { throw CLIError("\(partner.id) has no [encryption]") }
            try TransportFactory(root: config.root).seal(file, to: output, partner: partner, encryption: encryption,
                                                         gnupgHome: config.dataDirectory + "/gnupg")
            print("\(partner.id)  \(output)  encrypted and signed")
        }
    }

    /// The configuration and one partner, which must have no problem.
    static func load(_ global: GlobalOptions, _ id: String) throws -> (HandoffConfig, Partner) {
        let config = try HandoffConfig.load(path: global.configPath)
        let (partners, problems) = PartnerLoader.loadAll(directory: config.partnersDirectory)
        for problem in problems where problem.file.hasSuffix("/\(id).toml") || problem.file == "\(id).toml" {
            throw CLIError("\(problem) (run `handoff partners check`)")
        }
        guard let partner = partners.first(where: { $0.id == id }) else {
            throw CLIError("no partner '\(id)' in \(config.partnersDirectory) (run `handoff partners list`)")
        }
        return (config, partner)
    }
}
