import CCurl
import Foundation

extension SFTPClient {
    /// ``upload(localPath:directory:name:sha256:)`` over one SSH session: the check of the
    /// final name (and, when a file is there, its read-back), the upload of `name.part` with
    /// its rename (`POSTQUOTE`), and the check of the size that arrived all run on one libcurl
    /// easy handle, which keeps its SSH connection between them. The same rules hold: nothing
    /// is overwritten; a file already under the final name counts as delivered only when its
    /// SHA-256 is ours, and is a ``TransportError/Kind/conflict`` otherwise.
    public func uploadInOneSession(localPath: String, directory: String, name: String, sha256: String? = nil) throws -> UploadOutcome {
        let final = directory.hasSuffix("/") ? directory + name : directory + "/" + name
        let part = final + ".part"
        let attributes = try? FileManager.default.attributesOfItem(atPath: localPath)
        guard let localSize = (attributes?[.size] as? NSNumber)?.int64Value else {
            throw TransportError(.localFile, "\(localPath) cannot be read")
        }
        let ours = try sha256 ?? HTTPSClient.sha256(file: localPath)
        let curl = try handle(final)
        let session = Session(client: self, curl: curl)

        if let present = try session.digest(of: final) {
            guard present.sha256 == ours else { throw conflict(final, name: name, present: present, ours: (localSize, ours)) }
            return .alreadyPresent(size: present.size)
        }

        try session.target(part)
        let file = try curl.open(localPath, mode: "rb")
        try curl.set(CURLOPT_UPLOAD, 1)
        try curl.set(CURLOPT_READDATA, pointer: UnsafeMutableRawPointer(file))
        try curl.set(CURLOPT_INFILESIZE_LARGE, offset: localSize)
        try curl.set(CURLOPT_UPLOAD_BUFFERSIZE, 2 << 20)
        try curl.set(CURLOPT_POSTQUOTE, list: ["rename \"\(part)\" \"\(final)\""])
        do { try perform(curl) } catch var e as TransportError where e.kind == .permission {
            e.message = "the agency's folder \(directory) refused the write of \(name).part (\(e.message))"
            throw e
        } catch let e as TransportError where e.kind == .renameFailed {
            // The rename is refused when the final name appeared meanwhile (another sender):
            // ours only if its content is.
            try session.plainRequest()
            guard let present = try session.digest(of: final) else { throw e }
            guard present.sha256 == ours else { throw conflict(final, name: name, present: present, ours: (localSize, ours)) }
            try? delete(path: part)
            return .alreadyPresent(size: present.size)
        }
        try session.plainRequest()
        guard let arrived = try session.size(of: final) else {
            throw TransportError(.renameFailed, "\(url(final)) is missing after the upload and rename")
        }
        guard arrived == localSize else {
            throw TransportError(.network, "\(url(final)) holds \(arrived) bytes, \(localSize) were sent")
        }
        return .uploaded(size: arrived)
    }

    /// One easy handle used for several requests in turn: libcurl keeps the SSH connection
    /// (and its login) between them.
    private struct Session {
        let client: SFTPClient
        let curl: CurlEasy

        /// Points the next request at `path`, with a fresh stall guard.
        func target(_ path: String) throws {
            curl.what = client.url(path)
            try curl.set(CURLOPT_URL, client.url(path))
            try curl.watch(stallSeconds: client.endpoint.timeoutSeconds, deadline: nil)
        }

        /// Undoes an upload's settings: the next request reads.
        func plainRequest() throws {
            try curl.set(CURLOPT_UPLOAD, 0)
            try curl.set(CURLOPT_POSTQUOTE, pointer: nil)
            try curl.set(CURLOPT_READDATA, pointer: nil)
        }

        /// The size of a remote file, or `nil` when there is none.
        func size(of path: String) throws -> Int64? {
            try target(path)
            try curl.set(CURLOPT_NOBODY, 1)
            defer { try? curl.set(CURLOPT_NOBODY, 0) }
            do { try client.perform(curl) } catch let e as TransportError where e.kind == .remoteFileMissing {
                return nil
            }
            return curl.infoOffset(CURLINFO_CONTENT_LENGTH_DOWNLOAD_T)
        }

        /// The size and SHA-256 of a remote file, read back whole (in constant memory), or
        /// `nil` when there is none.
        func digest(of path: String) throws -> (size: Int64, sha256: String)? {
            guard try size(of: path) != nil else { return nil }
            try target(path)
            let sink = HashingSink()
            try curl.set(CURLOPT_WRITEFUNCTION, callback: HashingSink.callback)
            defer {
                try? curl.set(CURLOPT_WRITEFUNCTION, pointer: nil)
                try? curl.set(CURLOPT_WRITEDATA, pointer: nil)
            }
            var missing = false
            try withExtendedLifetime(sink) {
                try curl.set(CURLOPT_WRITEDATA, pointer: Unmanaged.passUnretained(sink).toOpaque())
                do { try client.perform(curl) } catch let e as TransportError where e.kind == .remoteFileMissing { missing = true }
            }
            return missing ? nil : (sink.count, sink.hex)
        }
    }
}
