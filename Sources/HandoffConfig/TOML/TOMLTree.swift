/// The tables of a TOML document while it is parsed, and TOML 1.0.0's rules about defining
/// them: a key is defined once; a table is defined once, by a header or by dotted keys, though
/// a header may first have created it as the parent of another table; an inline table and an
/// array written as a value are complete and cannot be added to; `[[name]]` appends a table
/// to an array of tables that only such headers make.
///
/// The tables live in one array and refer to each other by index, so that a document of
/// any shape is built without recursion; only `rootTable()`, turning the tables into
/// `TOMLNode`s, recurses, as deep as the parser's bounded nesting.
struct TOMLTree {
    /// A part of a dotted key, with the byte offset it starts at for error messages.
    struct KeyPart {
        var name: String
        var offset: Int
    }

    /// How a table came to be, which decides what may define or add to it later.
    enum Origin: Equatable {
        /// Made as the parent of a table in a header (`a` of `[a.b]`): a header may still define it.
        case implicit
        /// Defined by a header, or an element of an array of tables.
        case header
        /// Made by dotted keys in a section (the statements under one header, or one inline
        /// table): more dotted keys in that section may add to it, nothing else may.
        case dotted(section: Int)
    }

    enum Entry {
        /// A value, complete: an inline table or an array written as a value is one too.
        case value(TOMLNode)
        case table(Int)
        /// An array of tables, made by `[[name]]` headers.
        case tables([Int])
    }

    struct Table {
        var entries: [String: Entry] = [:]
        var origin: Origin
    }

    static let root = 0
    private(set) var tables: [Table] = [Table(origin: .header)]
    /// The section statements now go to: one per table header, counted up from 0.
    private(set) var section = 0
    /// The sections of inline tables, counted down from -1 so that none is a header's.
    private var inlineSection = 0

    /// A new section starts: tables made by dotted keys before it are now complete.
    mutating func beginSection() { section += 1 }

    /// `[key]`: the table it defines.
    mutating func defineTable(at key: [KeyPart]) throws(TOMLParser.Failure) -> Int {
        let parent = try headerParent(key)
        let last = key[key.count - 1]
        switch tables[parent].entries[last.name] {
        case nil:
            return add(Table(origin: .header), named: last.name, in: parent)
        case .table(let index)?:
            switch tables[index].origin {
            case .implicit:
                tables[index].origin = .header
                return index
            case .header:
                throw TOMLParser.Failure(
                    offset: last.offset, problem: "the table [\(Self.dotted(key))] is defined twice")
            case .dotted:
                throw TOMLParser.Failure(
                    offset: last.offset, problem: "the table [\(Self.dotted(key))] was already defined by dotted keys")
            }
        case .tables?:
            throw TOMLParser.Failure(
                offset: last.offset,
                problem: "\(Self.dotted(key)) is an array of tables ([[\(Self.dotted(key))]]), not a table")
        case .value(let value)?:
            throw TOMLParser.Failure(
                offset: last.offset, problem: "\(Self.dotted(key)) is already defined as \(value.typeName)")
        }
    }

    /// `[[key]]`: the new table it appends to the array of tables.
    mutating func appendTable(at key: [KeyPart]) throws(TOMLParser.Failure) -> Int {
        let parent = try headerParent(key)
        let last = key[key.count - 1]
        switch tables[parent].entries.removeValue(forKey: last.name) {
        case nil:
            let index = add(Table(origin: .header))
            tables[parent].entries[last.name] = .tables([index])
            return index
        case .tables(var list)?:
            let index = add(Table(origin: .header))
            list.append(index)
            tables[parent].entries[last.name] = .tables(list)
            return index
        case let entry?:
            tables[parent].entries[last.name] = entry
            if case .value(.array) = entry {
                throw TOMLParser.Failure(
                    offset: last.offset,
                    problem:
                        "\(Self.dotted(key)) is an array written as a value: [[\(Self.dotted(key))]] cannot add to it")
            }
            if case .value(let value) = entry {
                throw TOMLParser.Failure(
                    offset: last.offset, problem: "\(Self.dotted(key)) is already defined as \(value.typeName)")
            }
            throw TOMLParser.Failure(
                offset: last.offset, problem: "\(Self.dotted(key)) is a table, not an array of tables")
        }
    }

    /// `key = value` in `table`, in `section`: the parts of a dotted key before the last name
    /// tables, made as needed.
    mutating func insert(_ value: TOMLNode, at key: [KeyPart], in table: Int, section: Int) throws(TOMLParser.Failure) {
        var current = table
        for (n, part) in key.dropLast().enumerated() {
            switch tables[current].entries[part.name] {
            case nil:
                current = add(Table(origin: .dotted(section: section)), named: part.name, in: current)
            case .table(let index)?:
                switch tables[index].origin {
                case .implicit:
                    tables[index].origin = .dotted(section: section)
                case .dotted(let made) where made == section:
                    break
                case .header, .dotted:
                    throw TOMLParser.Failure(
                        offset: part.offset,
                        problem:
                            "the table \(Self.dotted(key.prefix(n + 1))) is defined elsewhere: "
                                + "dotted keys cannot add to it here"
                    )
                }
                current = index
            case .tables?:
                throw TOMLParser.Failure(
                    offset: part.offset,
                    problem: "\(Self.dotted(key.prefix(n + 1))) is an array of tables: dotted keys cannot add to it")
            case .value(let existing)?:
                throw TOMLParser.Failure(
                    offset: part.offset,
                    problem:
                        "\(Self.dotted(key.prefix(n + 1))) is already defined as \(existing.typeName): "
                            + "dotted keys cannot add to it"
                )
            }
        }
        let last = key[key.count - 1]
        guard tables[current].entries[last.name] == nil else {
            throw TOMLParser.Failure(offset: last.offset, problem: "the key \(Self.dotted(key)) is defined twice")
        }
        tables[current].entries[last.name] = .value(value)
    }

    /// A table for an inline table's pairs, and the section they are inserted in.
    mutating func beginInlineTable() -> (table: Int, section: Int) {
        inlineSection -= 1
        return (add(Table(origin: .dotted(section: inlineSection))), inlineSection)
    }

    /// An inline table, complete, as a value.
    mutating func takeInlineTable(_ index: Int) -> TOMLNode {
        .table(take(index))
    }

    /// The document.
    mutating func rootTable() -> [String: TOMLNode] { take(Self.root) }

    // MARK: Helpers

    /// The table that holds the last part of a header's key: each part before it a table
    /// (made when missing) or the last table of an array of tables.
    private mutating func headerParent(_ key: [KeyPart]) throws(TOMLParser.Failure) -> Int {
        var current = Self.root
        for (n, part) in key.dropLast().enumerated() {
            switch tables[current].entries[part.name] {
            case nil:
                current = add(Table(origin: .implicit), named: part.name, in: current)
            case .table(let index)?:
                current = index
            case .tables(let list)?:
                guard let lastTable = list.last else { return current }
                current = lastTable
            case .value(let value)?:
                throw TOMLParser.Failure(
                    offset: part.offset,
                    problem:
                        "\(Self.dotted(key.prefix(n + 1))) is already defined as \(value.typeName): "
                            + "a table header cannot add to it"
                )
            }
        }
        return current
    }

    private mutating func add(_ table: Table) -> Int {
        tables.append(table)
        return tables.count - 1
    }

    private mutating func add(_ table: Table, named name: String, in parent: Int) -> Int {
        let index = add(table)
        tables[parent].entries[name] = .table(index)
        return index
    }

    /// A table and those below it as `TOMLNode`s, moved out of the tree.
    private mutating func take(_ index: Int) -> [String: TOMLNode] {
        let entries = tables[index].entries
        tables[index].entries = [:]
        var out: [String: TOMLNode] = [:]
        out.reserveCapacity(entries.count)
        for (name, entry) in entries {
            switch entry {
            case .value(let value): out[name] = value
            case .table(let child): out[name] = .table(take(child))
            case .tables(let list): out[name] = .array(list.map { .table(take($0)) })
            }
        }
        return out
    }

    /// A key as written in TOML: parts joined by dots, each quoted unless bare.
    static func dotted(_ key: some Collection<KeyPart>) -> String {
        key.map { part in
            if !part.name.isEmpty, part.name.utf8.allSatisfy(Byte.isBareKey) { return part.name }
            var quoted = "\""
            for scalar in part.name.unicodeScalars {
                switch scalar {
                case "\"": quoted += "\\\""
                case "\\": quoted += "\\\\"
                case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    quoted += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: quoted.unicodeScalars.append(scalar)
                }
            }
            return quoted + "\""
        }.joined(separator: ".")
    }
}
