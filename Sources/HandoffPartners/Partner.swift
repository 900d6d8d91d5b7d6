import HandoffConfig
public import HandoffDomain
public import HandoffLayout

/// A collection agency as its partner file (`partners/ID.toml`) describes it. No Swift code
/// knows any agency: everything agency-specific is here, as data.
public struct Partner: Sendable {
    /// The file it was read from.
    public var file: String
    /// Tier, share, eligibility, capacity, commission, remittance.
    public var terms: AgencyTerms
    public var id: String { terms.id }
    /// The agency's name, for people.
    public var name: String
    /// The client id the agency gave the business.
    public var clientID: String
    /// How placement files are named and laid out.
    public var placement: FileSpec
    /// How client updates (direct payments, recalls, disputes) are sent, when by file.
    public var updates: FileSpec?
    /// What the agency sends back, by kind (`acknowledgement`, `activity`, `remittance`…).
    public var returns: [String: ReturnSpec]
    /// How files travel (used by the transport stage).
    public var transport: TransportSpec
    /// How files are encrypted and signed (used by the transport stage).
    public var encryption: EncryptionSpec?
    /// What the compliance gate needs of the agency: account types, licences, time-barred debt (`[compliance]`).
    public var compliance: AgencyCompliance
    /// How long it may keep an account before Handoff recalls it (`[terms]`).
    public var placementTerms: PlacementTerms

    /// Whether the agency can be told of a request of `kind` (a recall, a notice, a hold): its
    /// `[transport.requests]` has an entry for it, or its `[updates]` layout maps it.
    public func carries(requestKind kind: String) -> Bool {
        if let https = transport.https { return https.requests[kind] != nil }
        guard let layout = updates?.layout else { return false }
        for record in layout.records {
            for field in record.fields {
                guard case .path("update.kind") = field.source else { continue }
                return field.map.isEmpty || field.map[kind] != nil
            }
        }
        return false
    }
}

/// An outgoing file: its name, optional batch id, layout and control file.
public struct FileSpec: Sendable {
    /// The data file's name, such as `KRP_PLC_{partner.client_id}_{batch.date:yyyyMMdd}_{batch.sequence:000}.csv`.
    public var fileName: TextTemplate
    /// The batch id sent to the agency, when it is not the file name (`HO-{batch.date:yyyyMMdd}-{batch.sequence:000}`).
    public var batchID: TextTemplate?
    /// Characters the batch id may hold, when the agency limits them.
    public var batchIDCharacters: String?
    public var batchIDMaxLength: Int?
    public var layout: Layout
    /// A companion control file written after the data file.
    public var control: ControlSpec?
}

/// A control file: one line computed from its data file (counts, totals, SHA-256).
public struct ControlSpec: Sendable {
    public var fileName: TextTemplate
    public var content: TextTemplate
    /// Whether the line ends with the layout's line ending (most agencies: no trailing newline).
    public var trailingNewline: Bool
}

/// A kind of file the agency returns, recognised by its name.
public struct ReturnSpec: Sendable {
    /// A name pattern with `*` for any text: `KRP_ACT_{partner.client_id}_*.csv`.
    public var fileName: String
    /// How its records are laid out (files only; an event feed has none).
    public var layout: Layout?
    /// How its records become ``AgencyEvent``s.
    public var events: EventMapping?
}

/// How files are protected on the way: `[encryption]`, checked and typed when the partner file loads.
public struct EncryptionSpec: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case openpgp
    }
    public var kind: Kind
    /// The agency's public key, that files are encrypted to.
    public var recipientKeyFile: String
    /// The business's own key, that files are signed with.
    public var signingKeyFile: String
    /// The fingerprint the agency's signatures must carry.
    public var partnerSigningFingerprint: String
    /// The agency's signing key, when it is not `recipientKeyFile`.
    public var partnerSigningKeyFile: String?
    /// The passphrase of `signingKeyFile`, if it has one.
    public var passphrase: SecretSource?
    /// ASCII armour rather than binary.
    public var armor: Bool
}
