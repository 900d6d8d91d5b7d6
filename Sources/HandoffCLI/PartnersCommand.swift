import ArgumentParser
import HandoffConfig
import HandoffDomain
import HandoffPartners

/// `handoff partners check|list`.
struct PartnersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partners",
        abstract: "Check and list the agencies' partner files (see docs/partners.md).",
        subcommands: [Check.self, List.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate every partner file; name the file, key and problem of each error.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let config = try HandoffConfig.load(path: global.configPath)
            let (partners, problems) = PartnerLoader.loadAll(directory: config.partnersDirectory)
            for p in partners {
                print(
                    "ok  \(p.id): \(p.name), tier \(p.terms.tier), "
                        + "share \(p.terms.share)\(p.terms.enabled ? "" : ", disabled") (\(p.file))"
                )
            }
            for problem in problems { Output.note("error  \(problem)") }
            if partners.isEmpty && problems.isEmpty {
                throw CLIError(
                    "there are no partner files in \(config.partnersDirectory): put one TOML file per agency there "
                        + "(docs/partners.md; partners/local-folder.toml in Handoff's source is an example), "
                        + "then run this again"
                )
            }
            if !problems.isEmpty {
                throw CLIError(
                    "\(problems.count) problem\(problems.count == 1 ? "" : "s") in partner files: "
                        + "those partners are not used until fixed"
                )
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The agencies, their tiers, shares and transports.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let config = try HandoffConfig.load(path: global.configPath)
            let (partners, problems) = PartnerLoader.loadAll(directory: config.partnersDirectory)
            print(
                [
                    Output.cell("ID", 22), Output.cell("NAME", 34), "TIER", "SHARE", Output.cell("TRANSPORT", 9),
                    "REMITS", "ENABLED",
                ].joined(separator: "  "))
            for p in partners {
                print(
                    [
                        Output.cell(p.id, 22), Output.cell(p.name, 34),
                        Output.cell(String(p.terms.tier), 4, right: true),
                       Output.cell(String(p.terms.share), 5, right: true), Output.cell(p.transport.kind.rawValue, 9),
                       Output.cell(p.terms.remittance.rawValue, 6), p.terms.enabled ? "yes" : "no",
                    ].joined(separator: "  "))
            }
            if !problems.isEmpty {
                Output.note("\(problems.count) problem(s) in partner files: run `handoff partners check`")
            }
        }
    }
}

extension CommandContext {
    /// The partners, refusing to go on while any partner file has a problem: a run with one
    /// agency missing would allocate differently from what the business configured.
    func partners() throws -> [Partner] {
        let (partners, problems) = PartnerLoader.loadAll(
            directory: config.partnersDirectory, maxAmount: config.maxAmount)
        if !problems.isEmpty {
            for problem in problems { Output.note("error  \(problem)") }
            throw CLIError("partner files have problems (run `handoff partners check`); nothing was placed")
        }
        return partners
    }
}
