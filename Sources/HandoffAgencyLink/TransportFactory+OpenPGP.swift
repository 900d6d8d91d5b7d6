import Foundation
public import HandoffPartners
import HandoffTransport

extension TransportFactory {
    /// Encrypts `input` to the partner's key and signs it with the business's key, as its
    /// `[encryption]` says, writing `output`. `gnupgHome` is Handoff's GnuPG home (`<data>/gnupg`).
    public func seal(
        _ input: String, to output: String, partner: Partner, encryption: EncryptionSpec, gnupgHome: String
    ) throws {
        let pgp = try OpenPGP(home: gnupgHome)
        try withPassphraseFile(encryption.passphrase, partner: partner) { passphraseFile in
            let signers = try pgp.importKeys(file: path(encryption.signingKeyFile), passphraseFile: passphraseFile)
            guard let signer = signers.first else {
                throw TransportError(.configuration, "\(partner.id): signing_key_file holds no key")
            }
            try pgp.encryptAndSign(
                input: input, output: output, recipientKeyFile: path(encryption.recipientKeyFile), signer: signer,
                passphraseFile: passphraseFile, armor: encryption.armor)
        }
    }

    /// Decrypts a sealed file the partner sent and checks its signature against the agency's
    /// pinned signing key (`partner_signing_fingerprint`), writing the plain text to `output`.
    /// `name` is the file's name as the agency sent it, for what a refusal says.
    public func open(
        _ input: String, to output: String, partner: Partner, encryption: EncryptionSpec, gnupgHome: String,
        name: String? = nil) throws {
        let pgp = try OpenPGP(home: gnupgHome)
        try withPassphraseFile(encryption.passphrase, partner: partner) { passphraseFile in
            try pgp.importKeys(file: path(encryption.signingKeyFile), passphraseFile: passphraseFile)
            // The agency's public key(s): its signatures are verified against the pinned fingerprint.
            try pgp.importKeys(file: path(encryption.partnerSigningKeyFile ?? encryption.recipientKeyFile))
            _ = try pgp.decryptAndVerify(
                input: input, output: output, expectedSigner: encryption.partnerSigningFingerprint,
                passphraseFile: passphraseFile, name: name)
        }
    }
}
