extension String {
    /// Whether the text holds a NUL (byte 0), which no key or agency field may hold: a C string
    /// ends at it and PostgreSQL's text cannot store it. Searched in the UTF-8 bytes at once
    /// (a byte 0 is only ever the NUL in UTF-8), not byte by byte through a `UTF8View`'s iterator.
    public var holdsNUL: Bool {
        if let found = utf8.withContiguousStorageIfAvailable({ bytes in bytes.firstIndex(of: 0) != nil }) {
            return found
        }
        return utf8.contains(0)
    }
}
