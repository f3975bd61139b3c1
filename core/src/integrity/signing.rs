//! Who wrote a line: each person's ed25519 signing key, the signatures on journal
//! lines, and the `signers` file that says which key speaks for which name.
//!
//! Keys and signatures are OpenSSH's (via the `ssh-key` crate), so an auditor can
//! check any line with `ssh-keygen -Y verify` and no escalate at all: a line's `sig`
//! is the base64 body of an `SSH SIGNATURE` over the line's bytes before `,"sig":"`,
//! in the namespace [`NAMESPACE`]. The private key lives in the user's own key
//! directory, never in the (possibly shared) data directory. This module owns the
//! key files and the signers file's format; it does not decide what to print.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use ssh_key::private::{Ed25519Keypair, KeypairData};
use ssh_key::{HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};

use crate::domain::clock::Instant;
use crate::error::{Error, Hint, Result};

/// The SSHSIG namespace of a journal line: a signature made for anything else
/// (a git commit, a file) can never pass as one.
pub const NAMESPACE: &str = "escalate-journal";

/// The private key's file name in the key directory (OpenSSH format, mode 0600).
pub(crate) const KEY_FILE: &str = "signing-key";

/// The status cache's authentication key, beside the signing key (mode 0600).
pub(crate) const CACHE_KEY_FILE: &str = "cache-key";

const PEM_BEGIN: &str = "-----BEGIN SSH SIGNATURE-----";
const PEM_END: &str = "-----END SSH SIGNATURE-----";
/// ssh-keygen writes signature armour 70 characters wide.
const PEM_WIDTH: usize = 70;

/// A person's signing key.
pub struct Key {
    private: PrivateKey,
    fingerprint: String,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key({})", self.fingerprint)
    }
}

impl Key {
    /// A key made from 32 seed bytes (the generator derives them from its seed, so
    /// generated data is reproducible).
    pub fn from_seed(seed: &[u8; 32], comment: &str) -> Key {
        let pair = Ed25519Keypair::from_seed(seed);
        let mut private = PrivateKey::from(pair);
        private.set_comment(comment);
        Key::wrap(private)
    }

    fn wrap(private: PrivateKey) -> Key {
        let fingerprint = private.fingerprint(HashAlg::Sha256).to_string();
        Key {
            private,
            fingerprint,
        }
    }

    /// A fresh random key.
    pub(crate) fn generate(comment: &str) -> Result<Key> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| {
            Error::io(
                "could not get random bytes for a signing key",
                std::io::Error::other(e.to_string()),
            )
        })?;
        Ok(Key::from_seed(&seed, comment))
    }

    /// `SHA256:` and the unpadded base64 digest, as `ssh-keygen -l` prints it.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    pub(crate) fn public(&self) -> PublicKey {
        self.private.public_key().clone()
    }

    /// The private key in OpenSSH's format, for age to unwrap dispute keys
    /// with (`privacy::Readers`); never written anywhere by that path.
    pub(crate) fn openssh_private(&self) -> Option<impl std::ops::Deref<Target = String>> {
        self.private.to_openssh(LineEnding::LF).ok()
    }

    /// The public key as one OpenSSH line (`ssh-ed25519 AAAA... comment`).
    pub fn public_openssh(&self) -> String {
        self.public().to_openssh().unwrap_or_default()
    }

    /// Sign `msg`; returns the base64 body of the `SSH SIGNATURE` armour.
    #[cfg(test)]
    pub(crate) fn sign(&self, msg: &[u8]) -> Result<String> {
        self.sign_in(NAMESPACE, msg)
    }

    /// Sign `msg` in another SSHSIG namespace (a witness, a checkpoint), so that
    /// a signature made for one kind of record can never pass as another.
    pub(crate) fn sign_in(&self, namespace: &str, msg: &[u8]) -> Result<String> {
        let sig = self
            .private
            .sign(namespace, HashAlg::Sha512, msg)
            .and_then(|s| s.to_pem(LineEnding::LF))
            .map_err(|e| {
                Error::io(
                    "could not sign the line",
                    std::io::Error::other(e.to_string()),
                )
            })?;
        Ok(sig
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<String>())
    }

    fn read(path: &Path) -> Result<Key> {
        let text = crate::store::fsutil::read_regular(path, 64 * 1024)?;
        let private = PrivateKey::from_openssh(&text).map_err(|e| {
            Error::refused(format!(
                "{} is not an OpenSSH private key: {e}",
                path.display()
            ))
            .with_hint(Hint::MoveKeyAsideMakeNew)
        })?;
        if !matches!(private.key_data(), KeypairData::Ed25519(_)) {
            return Err(
                Error::refused(format!("{} is not an ed25519 key", path.display()))
                    .with_hint(Hint::ReplaceKeyNotEd25519),
            );
        }
        if private.is_encrypted() {
            return Err(Error::refused(format!(
                "{} is protected by a passphrase, which escalate cannot ask for",
                path.display()
            ))
            .with_hint(Hint::ReplaceKeyWithPassphrase));
        }
        Ok(Key::wrap(private))
    }

    fn write(&self, path: &Path) -> Result<()> {
        let text = self.private.to_openssh(LineEnding::LF).map_err(|e| {
            Error::io(
                "could not encode the signing key",
                std::io::Error::other(e.to_string()),
            )
        })?;
        crate::store::fsutil::write_new_file(path, text.as_bytes())?;
        let public = path.with_extension("pub");
        let _ = std::fs::remove_file(&public);
        crate::store::fsutil::write_new_file(
            &public,
            format!("{}\n", self.public_openssh()).as_bytes(),
        )
    }
}

/// Something about keys the user should hear once, after the command; the
/// command line puts it in words (with what to do next).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyNotice {
    /// A signing key was made at `path` for this user.
    Created { path: PathBuf, fingerprint: String },
    /// The signers file could not be read, so lines were checked against their
    /// signatures only.
    SignersUnreadable { why: String },
    /// The signers file is damaged at `line`, so lines were checked against
    /// their signatures only, not who may sign for whom.
    SignersDamaged {
        path: PathBuf,
        line: usize,
        what: String,
    },
}

/// Where the user's key lives, and the key once it has been loaded.
#[derive(Debug, Default)]
pub struct Keyring {
    /// The user's key directory (`None`: this system has no per-user directory and
    /// ESCALATE_KEY_DIR is not set).
    pub dir: Option<PathBuf>,
    /// The data directory, where a key must never be.
    pub data_dir: PathBuf,
    key: OnceLock<Key>,
    /// Things to tell the user once, after the command (a key was created).
    notices: Mutex<Vec<KeyNotice>>,
    /// The data directory's signers file as first read (with the SHA-256 of its
    /// bytes; `None`: there is none), so every line a command judges is judged
    /// against the same file.
    signers: OnceLock<(Option<Signers>, String)>,
    /// The key that authenticates the status cache (`cache_key`).
    cache_key: OnceLock<Option<[u8; 32]>>,
    /// The user's keys as readers of sealed disputes' wrapped keys.
    readers: OnceLock<crate::privacy::Readers>,
}

impl Keyring {
    pub fn new(dir: Option<PathBuf>, data_dir: PathBuf) -> Keyring {
        Keyring {
            dir,
            data_dir,
            ..Keyring::default()
        }
    }

    /// The private key's path, refusing a directory inside the data directory.
    pub fn key_path(&self) -> Result<PathBuf> {
        let Some(dir) = &self.dir else {
            return Err(
                Error::usage("cannot tell where to keep your signing key on this system")
                    .with_hint(Hint::SetPrivateKeyDir),
            );
        };
        let inside = |a: &Path, b: &Path| {
            let a = a.canonicalize().unwrap_or_else(|_| a.to_owned());
            let b = b.canonicalize().unwrap_or_else(|_| b.to_owned());
            a.starts_with(b)
        };
        if inside(dir, &self.data_dir) {
            return Err(Error::usage(format!(
                "the key directory {} is inside the data directory {}, which others may share",
                dir.display(),
                self.data_dir.display()
            ))
            .with_hint(Hint::SetKeyDirOutsideData));
        }
        Ok(dir.join(KEY_FILE))
    }

    /// The user's key if there is one.
    pub fn existing(&self) -> Result<Option<Key>> {
        let path = self.key_path()?;
        match std::fs::symlink_metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            _ => Key::read(&path).map(Some),
        }
    }

    /// The user's keys (current and retired) as readers of wrapped keys, read
    /// once a process.
    pub fn readers(&self) -> &crate::privacy::Readers {
        self.readers
            .get_or_init(|| crate::privacy::Readers::of(self))
    }

    /// Every key of this user's: the current one (if any) and each retired one
    /// kept beside it, for unwrapping dispute keys wrapped before a rotation.
    pub(crate) fn own_keys(&self) -> Vec<Key> {
        let Ok(path) = self.key_path() else {
            return Vec::new();
        };
        let mut keys: Vec<Key> = self.existing().ok().flatten().into_iter().collect();
        let prefix = format!("{KEY_FILE}.retired-");
        if let Some(dir) = path.parent().and_then(|d| std::fs::read_dir(d).ok()) {
            keys.extend(dir.flatten().filter_map(|e| {
                let name = e.file_name();
                let name = name.to_str()?;
                (name.starts_with(&prefix) && !name.ends_with(".pub"))
                    .then(|| Key::read(&e.path()).ok())
                    .flatten()
            }));
        }
        keys
    }

    /// A key this user retired (`key new --replace`, `key rotate`), kept beside
    /// the current one, by its fingerprint: sync signs again with it a
    /// member-list line it made that has to follow the partnership's.
    pub(crate) fn retired(&self, fingerprint: &str) -> Option<Key> {
        let path = self.key_path().ok()?;
        let prefix = format!("{KEY_FILE}.retired-");
        std::fs::read_dir(path.parent()?)
            .ok()?
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_str()
                    .is_some_and(|n| n.starts_with(&prefix))
            })
            .find_map(|e| {
                Key::read(&e.path())
                    .ok()
                    .filter(|k| k.fingerprint == fingerprint)
            })
    }

    /// Make a new key, moving an old one aside when `replace` is given.
    pub fn create(&self, comment: &str, replace: bool) -> Result<Key> {
        self.install(Key::generate(comment)?, replace)
    }

    /// Put `key` in place as the user's key, moving an old one aside when
    /// `replace` is given (`key rotate` announces a key before it is installed).
    pub(crate) fn install(&self, key: Key, replace: bool) -> Result<Key> {
        let path = self.key_path()?;
        if std::fs::symlink_metadata(&path).is_ok() {
            if !replace {
                return Err(Error::refused(format!(
                    "you already have a signing key ({})",
                    path.display()
                ))
                .with_hint(Hint::ShowOrReplaceKey));
            }
            let stamp = Utc::now().format("%Y%m%dT%H%M%S");
            for p in [path.clone(), path.with_extension("pub")] {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or(KEY_FILE);
                let aside = p.with_file_name(format!("{name}.retired-{stamp}"));
                if p.exists() {
                    std::fs::rename(&p, &aside).map_err(|e| {
                        Error::io(format!("could not move {} aside", p.display()), e)
                    })?;
                }
            }
        }
        crate::store::fsutil::private_dir(path.parent().unwrap_or(Path::new(".")))?;
        key.write(&path)?;
        Ok(key)
    }

    /// The key to sign with, creating it (and saying so once) if there is none, so
    /// a first recording command, a demo or a cron job never stops for a key.
    pub fn signer(&self, comment: &str) -> Result<&Key> {
        if let Some(k) = self.key.get() {
            return Ok(k);
        }
        let key = match self.existing()? {
            Some(k) => k,
            None => {
                let k = self.create(comment, false)?;
                let path = self.key_path()?;
                self.notices
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(KeyNotice::Created {
                        path,
                        fingerprint: k.fingerprint().to_string(),
                    });
                k
            }
        };
        Ok(self.key.get_or_init(|| key))
    }

    /// When the key was made (its file's modification time): a signers line made
    /// later must not date the key's earlier lines out of its validity.
    pub fn created(&self) -> Option<Instant> {
        let modified = std::fs::metadata(self.key_path().ok()?)
            .ok()?
            .modified()
            .ok()?;
        Some(crate::domain::clock::to_london(
            chrono::DateTime::<Utc>::from(modified),
        ))
    }

    /// The signers file (`None`: signers not pinned), read once per command.
    /// A damaged or unreadable file never stops anyone recording or reading:
    /// lines are then judged by their signatures alone, and the command says so
    /// once (`verify` exits 3 on the file itself).
    pub(crate) fn signers(&self) -> Result<Option<&Signers>> {
        let (s, _) = self.signers.get_or_init(|| {
            match crate::members::signers_in(&self.data_dir) {
                Some(Ok((s, hash))) => {
                    // A revocation's verdict also depends on whether its seen
                    // head can be read here: the cache keys on both.
                    let (mut s, depends) = s.with_history(&self.data_dir);
                    let hash = format!("{hash}{depends}");
                    // A joiner not yet admitted records here meanwhile (sync
                    // sends nothing until an admin adds the key): in this clone
                    // only, their own lines count as theirs.
                    if let Ok(Some(own)) = self.existing() {
                        if !s.entries.iter().any(|e| e.fingerprint == own.fingerprint) {
                            s.entries.push(Signer {
                                name: own.private.comment().to_owned(),
                                agency: None,
                                valid_after: None,
                                valid_before: None,
                                fingerprint: own.fingerprint.clone(),
                                public: own.public_openssh(),
                                line: 0,
                            });
                        }
                    }
                    return (Some(s), hash);
                }
                Some(Err((path, line, what))) => {
                    self.notice(KeyNotice::SignersDamaged {
                        path,
                        line: usize::try_from(line).unwrap_or(usize::MAX),
                        what,
                    });
                    return (None, "members damaged".into());
                }
                None => {}
            }
            let path = Signers::path_in(&self.data_dir);
            if let Err(e) = std::fs::symlink_metadata(&path) {
                if e.kind() == std::io::ErrorKind::NotFound {
                    return (None, "none".into());
                }
            }
            let text = match crate::store::fsutil::read_regular(&path, 4 * 1024 * 1024) {
                Ok(text) => text,
                Err(e) => {
                    self.notice(KeyNotice::SignersUnreadable { why: e.to_string() });
                    return (None, "unreadable".into());
                }
            };
            let hash = crate::store::journal::line::sha256_hex(text.as_bytes());
            match Signers::parse(&text) {
                // A verdict on a revoked key's line also depends on whether the
                // admin's seen head can be read here: the cache keys on both.
                Ok(s) => {
                    let (s, depends) = s.with_history(&self.data_dir);
                    (Some(s), format!("{hash}{depends}"))
                }
                Err((line, what)) => {
                    self.notice(KeyNotice::SignersDamaged {
                        path: path.clone(),
                        line,
                        what: what.clone(),
                    });
                    (None, format!("damaged {hash}"))
                }
            }
        });
        Ok(s.as_ref())
    }

    fn notice(&self, notice: KeyNotice) {
        self.notices
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(notice);
    }

    /// SHA-256 of the signers file `signers` read ("none" without one, or before
    /// it is read): what every cached verdict depends on.
    pub(crate) fn signers_hash(&self) -> &str {
        self.signers.get().map_or("none", |(_, h)| h.as_str())
    }

    /// The key that authenticates the status cache: 32 random bytes in the key
    /// directory (beside the signing key, outside the data directory), made on
    /// first use. Someone who can write to the data directory but not to this
    /// directory cannot make a cache entry escalate believes. `None` when there is
    /// no key directory or the key cannot be read or made: then no cache is
    /// trusted or written, and every journal is read.
    pub(crate) fn cache_key(&self) -> Option<[u8; 32]> {
        *self.cache_key.get_or_init(|| {
            let dir = self.key_path().ok()?.parent()?.to_owned();
            let path = dir.join(CACHE_KEY_FILE);
            if let Ok(bytes) =
                crate::store::fsutil::read_limited(&path, 64, crate::store::fsutil::Links::Refuse)
            {
                return <[u8; 32]>::try_from(bytes.as_slice()).ok();
            }
            if std::fs::symlink_metadata(&path).is_ok() {
                // Something is there that is not a key: leave it for the user.
                return None;
            }
            let mut key = [0u8; 32];
            getrandom::fill(&mut key).ok()?;
            crate::store::fsutil::private_dir(&dir).ok()?;
            match crate::store::fsutil::write_new_file(&path, &key) {
                Ok(()) => Some(key),
                // Another escalate made it first: use theirs.
                Err(_) => crate::store::fsutil::read_limited(
                    &path,
                    64,
                    crate::store::fsutil::Links::Refuse,
                )
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok()),
            }
        })
    }

    /// Notices gathered during the command, for the command line to print once.
    pub fn take_notices(&self) -> Vec<KeyNotice> {
        std::mem::take(&mut *self.notices.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// Turn the base64 body kept in a line back into a signature.
fn decode_sig(body: &str) -> std::result::Result<SshSig, String> {
    if body.is_empty()
        || !body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
    {
        return Err("its signature is not base64".into());
    }
    let mut pem = String::with_capacity(body.len() + 80);
    pem.push_str(PEM_BEGIN);
    pem.push('\n');
    for chunk in body.as_bytes().chunks(PEM_WIDTH) {
        pem.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str(PEM_END);
    pem.push('\n');
    SshSig::from_pem(pem).map_err(|_| "its signature is not an SSH signature".into())
}

/// Check a line's signature: `msg` is the line's bytes before `,"sig":"`, `body`
/// the `sig` value and `signer` the fingerprint the line names. Returns the key
/// that signed it, or what is wrong in words.
pub(crate) fn check(
    msg: &[u8],
    body: &str,
    signer: &str,
) -> std::result::Result<PublicKey, String> {
    check_in(NAMESPACE, msg, body, signer)
}

/// [`check`] for a signature made with [`Key::sign_in`] in `namespace`.
pub(crate) fn check_in(
    namespace: &str,
    msg: &[u8],
    body: &str,
    signer: &str,
) -> std::result::Result<PublicKey, String> {
    let prepared = prepare(namespace, msg, body, signer)?;
    let key = prepared.public.clone();
    match prepared.verify_one() {
        Ok(()) => Ok(key),
        Err(()) => Err(DOES_NOT_MATCH.into()),
    }
}

const DOES_NOT_MATCH: &str = "its signature does not match the line (the line was changed after it was signed, or the signature belongs to another line)";

/// A signature whose encoding, key and namespace passed, ready for the curve
/// arithmetic: alone (`verify_one`) or with others (`check_many`).
struct Prepared {
    public: PublicKey,
    how: Curve,
}

// Nearly every signature is the large ed25519 variant: boxing it would only add
// an allocation per line.
#[allow(clippy::large_enum_variant)]
enum Curve {
    /// The SSHSIG signed data (namespace, hash algorithm, the message's hash)
    /// under an ed25519 key, decompressed once per thread (`verifying_key`).
    Ed25519 {
        key: ed25519_dalek::VerifyingKey,
        signature: ed25519_dalek::Signature,
        data: Vec<u8>,
    },
    /// Any other key type, checked by ssh-key itself.
    Other {
        namespace: String,
        msg: Vec<u8>,
        sig: Box<SshSig>,
    },
    /// An ed25519 signature whose bytes are no point or key: it fails.
    Fails,
}

impl Prepared {
    fn verify_one(&self) -> std::result::Result<(), ()> {
        match &self.how {
            Curve::Other {
                namespace,
                msg,
                sig,
            } => self.public.verify(namespace, msg, sig).map_err(|_| ()),
            how => how.verify_one(),
        }
    }
}

impl Curve {
    /// The check of an ed25519 signature alone (any other kind fails here: only
    /// [`Prepared::verify_one`] has its key).
    fn verify_one(&self) -> std::result::Result<(), ()> {
        use ed25519_dalek::Verifier;
        match self {
            Curve::Ed25519 {
                key,
                signature,
                data,
            } => key.verify(data, signature).map_err(|_| ()),
            Curve::Other { .. } | Curve::Fails => Err(()),
        }
    }
}

/// Everything [`check_in`] asks of a signature before the curve arithmetic.
fn prepare(
    namespace: &str,
    msg: &[u8],
    body: &str,
    signer: &str,
) -> std::result::Result<Prepared, String> {
    if let Some(prepared) = prepare_ed25519(namespace, msg, body, signer) {
        return Ok(prepared);
    }
    prepare_any(namespace, msg, body, signer)
}

/// The SSHSIG of an ed25519 key, exactly as ssh-keygen and escalate write it:
/// the magic, version 1, the key (`ssh-ed25519`, 32 bytes), the namespace, no
/// reserved bytes, the hash algorithm and the signature (`ssh-ed25519`, 64
/// bytes), each string prefixed by its length, nothing after.
const ED25519_KEY_BLOB: usize = 4 + 11 + 4 + 32;
const ED25519_SIG_BLOB: usize = 4 + 11 + 4 + 64;

/// [`prepare`] for a line signed as escalate signs (ed25519), without decoding
/// the armour into ssh-key's types and encoding it again: the base64 is decoded
/// once, proved canonical by encoding those bytes back (base64 has spare bits),
/// and the blob is read field by field with every length exact and nothing
/// left over, which is what proves ssh-key would write the same bytes back (the
/// check [`prepare_any`] makes). Each key's fingerprint is worked out once per
/// thread. `None` for anything else, however small the difference: the full
/// check then decides, with its own words for what is wrong.
fn prepare_ed25519(namespace: &str, msg: &[u8], body: &str, signer: &str) -> Option<Prepared> {
    use base64ct::{Base64, Encoding};
    let mut blob = [0u8; 512];
    let blob = Base64::decode(body, &mut blob).ok()?;
    let mut again = [0u8; 1024];
    if Base64::encode(blob, &mut again).ok()? != body {
        return None;
    }
    let mut rest: &[u8] = blob;
    if take(&mut rest, 6)? != b"SSHSIG" || take(&mut rest, 4)? != [0, 0, 0, 1] {
        return None;
    }
    let mut key_blob = ssh_string(&mut rest)?;
    let ns = ssh_string(&mut rest)?;
    let reserved = ssh_string(&mut rest)?;
    let hash = ssh_string(&mut rest)?;
    let mut sig_blob = ssh_string(&mut rest)?;
    if !rest.is_empty()
        || namespace.is_empty()
        || ns != namespace.as_bytes()
        || !reserved.is_empty()
        || key_blob.len() != ED25519_KEY_BLOB
        || sig_blob.len() != ED25519_SIG_BLOB
        || ssh_string(&mut key_blob)? != b"ssh-ed25519"
        || ssh_string(&mut sig_blob)? != b"ssh-ed25519"
    {
        return None;
    }
    let hash_alg = match hash {
        b"sha512" => HashAlg::Sha512,
        b"sha256" => HashAlg::Sha256,
        _ => return None,
    };
    // The lengths above leave exactly the 32 and 64 bytes, each behind its length.
    let public: [u8; 32] = ssh_string(&mut key_blob)?.try_into().ok()?;
    let signature: [u8; 64] = ssh_string(&mut sig_blob)?.try_into().ok()?;
    let (key, fingerprint) = known_key(&public)?;
    if fingerprint != signer {
        return None;
    }
    let data = SshSig::signed_data(namespace, hash_alg, msg).ok()?;
    Some(Prepared {
        public: PublicKey::from(ssh_key::public::KeyData::Ed25519(
            ssh_key::public::Ed25519PublicKey(public),
        )),
        how: Curve::Ed25519 {
            key,
            signature: ed25519_dalek::Signature::from_bytes(&signature),
            data,
        },
    })
}

/// The next `n` bytes of `rest`.
fn take<'b>(rest: &mut &'b [u8], n: usize) -> Option<&'b [u8]> {
    let (head, tail) = (rest.get(..n)?, rest.get(n..)?);
    *rest = tail;
    Some(head)
}

/// The next SSH string (a 32-bit big-endian length, then that many bytes).
fn ssh_string<'b>(rest: &mut &'b [u8]) -> Option<&'b [u8]> {
    let len = u32::from_be_bytes(take(rest, 4)?.try_into().ok()?);
    take(rest, usize::try_from(len).ok()?)
}

/// An ed25519 public key decompressed, with its SHA256 fingerprint, once per
/// thread; `None` when the bytes are no key (the full check says so).
fn known_key(public: &[u8; 32]) -> Option<(ed25519_dalek::VerifyingKey, String)> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    type Known = HashMap<[u8; 32], (ed25519_dalek::VerifyingKey, String)>;
    thread_local! {
        static KNOWN: RefCell<Known> = RefCell::new(HashMap::new());
    }
    KNOWN.with(|known| {
        let mut known = known.borrow_mut();
        if let Some(k) = known.get(public) {
            return Some(k.clone());
        }
        let key = ed25519_dalek::VerifyingKey::from_bytes(public).ok()?;
        let fingerprint = PublicKey::from(ssh_key::public::KeyData::Ed25519(
            ssh_key::public::Ed25519PublicKey(*public),
        ))
        .fingerprint(HashAlg::Sha256)
        .to_string();
        // A bound, so a journal signed by many keys cannot grow it for ever.
        if known.len() >= 4096 {
            known.clear();
        }
        known.insert(*public, (key, fingerprint.clone()));
        Some((key, fingerprint))
    })
}

/// [`prepare`] for any signature: decoded by ssh-key, with what is wrong in words.
fn prepare_any(
    namespace: &str,
    msg: &[u8],
    body: &str,
    signer: &str,
) -> std::result::Result<Prepared, String> {
    let sig = decode_sig(body)?;
    // The armour has fields no signature covers (its version) and base64 has
    // spare bits: only the one encoding escalate writes counts, so a signed record
    // cannot be altered by a byte and still verify.
    let canonical = sig
        .to_pem(LineEnding::LF)
        .map(|p| {
            p.lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<String>()
        })
        .map_err(|_| "its signature is not an SSH signature".to_string())?;
    if canonical != body {
        return Err("its signature is not encoded as escalate writes it: it was altered".into());
    }
    let key = PublicKey::from(sig.public_key().clone());
    let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
    if fingerprint != signer {
        return Err(format!(
            "it names key {signer} but was signed by {fingerprint}"
        ));
    }
    if sig.namespace() != namespace {
        return Err(format!(
            "its signature was made for {:?}, not for {}",
            sig.namespace(),
            if namespace == NAMESPACE {
                "a journal line".to_owned()
            } else {
                format!("{namespace:?}")
            }
        ));
    }
    let how = match sig.public_key() {
        ssh_key::public::KeyData::Ed25519(public) => {
            let parts = (
                verifying_key(public),
                ed25519_dalek::Signature::try_from(sig.signature()),
                SshSig::signed_data(namespace, sig.hash_alg(), msg),
            );
            match parts {
                (Ok(key), Ok(signature), Ok(data)) => Curve::Ed25519 {
                    key,
                    signature,
                    data,
                },
                _ => Curve::Fails,
            }
        }
        _ => Curve::Other {
            namespace: namespace.to_owned(),
            msg: msg.to_vec(),
            sig: Box::new(sig),
        },
    };
    Ok(Prepared { public: key, how })
}

/// An ed25519 public key decompressed once per thread rather than once per line:
/// a journal's lines are mostly signed by a handful of keys.
fn verifying_key(
    public: &ssh_key::public::Ed25519PublicKey,
) -> std::result::Result<ed25519_dalek::VerifyingKey, ()> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static KEYS: RefCell<HashMap<[u8; 32], ed25519_dalek::VerifyingKey>> =
            RefCell::new(HashMap::new());
    }
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        if let Some(k) = keys.get(&public.0) {
            return Ok(*k);
        }
        let k = ed25519_dalek::VerifyingKey::try_from(public).map_err(|_| ())?;
        // A bound, so a journal signed by many keys cannot grow it for ever.
        if keys.len() >= 4096 {
            keys.clear();
        }
        keys.insert(public.0, k);
        Ok(k)
    })
}

/// One journal line's signature for [`check_many`]: the bytes it signs, its
/// `sig` value and the fingerprint the line names (as [`check`] takes them).
pub(crate) struct ToCheck<'a> {
    pub msg: &'a [u8],
    pub body: &'a str,
    pub signer: &'a str,
}

/// How many signatures one batch equation covers. Measured here (ed25519-dalek
/// 2, AVX2): about 19 us a signature in batches of 7 (one small journal's),
/// 20 in batches of 64 (where its Straus tables outgrow the cache) and 14 in
/// batches of 256 (Pippenger's method); past that little is gained, and a
/// batch holding a damaged line is redone one signature at a time.
const BATCH: usize = 256;

/// [`check`] for many journal lines at once, with the same verdict for each:
/// the curve arithmetic is done for a batch of signatures in one equation
/// (ed25519-dalek's `verify_batch`, about half the work per signature), and the
/// batches of a long journal on every core. A batch that fails is checked again
/// one signature at a time, so the line that fails is named exactly. What is
/// signed and how is unchanged: each line's signature is the SSHSIG that
/// `ssh-keygen -Y verify` checks.
pub(crate) fn check_many(items: &[ToCheck<'_>]) -> Vec<std::result::Result<(), String>> {
    check_many_into(items, None)
}

/// [`check_many`], except that each ed25519 signature whose encoding, key and
/// namespace pass is not checked now but added to `later`, and counted as
/// holding: the caller checks `later` (with [`Later::hold`], together with
/// other journals' signatures, so that even small journals make full batches)
/// and judges the lines again one journal at a time if any fails. Every other
/// verdict (a signature that cannot hold, another key type) is final now.
pub(crate) fn check_many_later(
    items: &[ToCheck<'_>],
    later: &mut Later,
) -> Vec<std::result::Result<(), String>> {
    check_many_into(items, Some(later))
}

fn check_many_into(
    items: &[ToCheck<'_>],
    later: Option<&mut Later>,
) -> Vec<std::result::Result<(), String>> {
    use rayon::prelude::*;
    let prepared: Vec<std::result::Result<Prepared, String>> = items
        .iter()
        .map(|i| prepare(NAMESPACE, i.msg, i.body, i.signer))
        .collect();
    let mut verdicts: Vec<std::result::Result<(), String>> = prepared
        .iter()
        .map(|p| p.as_ref().map(|_| ()).map_err(Clone::clone))
        .collect();
    if let Some(later) = later {
        for (i, p) in prepared.into_iter().enumerate() {
            let Ok(p) = p else { continue };
            match p.how {
                Curve::Ed25519 { .. } => later.0.push(p.how),
                _ if p.verify_one().is_err() => verdicts[i] = Err(DOES_NOT_MATCH.into()),
                _ => {}
            }
        }
        return verdicts;
    }
    let ready: Vec<(usize, &Prepared)> = prepared
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.as_ref().ok().map(|p| (i, p)))
        .collect();
    let judge = |batch: &[(usize, &Prepared)]| -> Vec<usize> {
        if batch_holds(batch.iter().map(|(_, p)| &p.how)) {
            return Vec::new();
        }
        batch
            .iter()
            .filter(|(_, p)| p.verify_one().is_err())
            .map(|(i, _)| *i)
            .collect()
    };
    // Rayon only where there is more than one batch: a short journal is one
    // batch on the thread that read it (`ops::in_parallel` spreads the journals).
    let failed: Vec<usize> = if ready.len() > BATCH {
        ready.par_chunks(BATCH).flat_map_iter(judge).collect()
    } else {
        judge(&ready)
    };
    for i in failed {
        verdicts[i] = Err(DOES_NOT_MATCH.into());
    }
    verdicts
}

/// Ed25519 signatures counted as holding by [`check_many_later`], still to be
/// checked: about 300 bytes each (the key, the signature and the 108 bytes of
/// SSHSIG data it signs).
#[derive(Default)]
pub(crate) struct Later(Vec<Curve>);

impl Later {
    pub(crate) const NONE: Later = Later(Vec::new());

    /// Only a journal with fewer new lines than this leaves its signatures for
    /// later: the ones that gain (a longer one makes batches of its own), and
    /// at most 64 times about 300 bytes for each journal of the thousand whose
    /// signatures wait together.
    pub(crate) const FEWER_THAN: usize = 64;

    /// Whether every signature in each group holds, one verdict a group: all the
    /// groups' signatures are checked together, in full batches on every core,
    /// and only a batch that fails is checked again one signature at a time to
    /// find the groups it came from.
    pub(crate) fn hold(groups: &[&Later]) -> Vec<bool> {
        use rayon::prelude::*;
        let all: Vec<(usize, &Curve)> = groups
            .iter()
            .enumerate()
            .flat_map(|(g, later)| later.0.iter().map(move |c| (g, c)))
            .collect();
        let failed: Vec<usize> = all
            .par_chunks(BATCH)
            .flat_map_iter(|batch| {
                let whole = batch_holds(batch.iter().map(|(_, c)| *c));
                batch
                    .iter()
                    .filter(move |(_, c)| !whole && c.verify_one().is_err())
                    .map(|(g, _)| *g)
            })
            .collect();
        let mut holds = vec![true; groups.len()];
        for g in failed {
            holds[g] = false;
        }
        holds
    }
}

/// Whether every signature in a batch holds, in one equation where all are
/// ed25519; `false` sends the batch to be checked one at a time.
fn batch_holds<'p>(batch: impl Iterator<Item = &'p Curve>) -> bool {
    let mut messages = Vec::new();
    let mut signatures = Vec::new();
    let mut keys = Vec::new();
    for how in batch {
        match how {
            Curve::Ed25519 {
                key,
                signature,
                data,
            } => {
                messages.push(data.as_slice());
                signatures.push(*signature);
                keys.push(*key);
            }
            _ => return false,
        }
    }
    match messages.len() {
        0 => true,
        // One signature: the single check is cheaper than a batch of one.
        1 => {
            use ed25519_dalek::Verifier;
            keys[0].verify(messages[0], &signatures[0]).is_ok()
        }
        _ => ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok(),
    }
}

/// One entry of the signers file.
#[derive(Clone, Debug)]
pub struct Signer {
    /// The name recorded as `by` on the lines this key may sign.
    pub name: String,
    pub agency: Option<String>,
    pub valid_after: Option<Instant>,
    pub valid_before: Option<Instant>,
    pub fingerprint: String,
    /// The key itself, `ssh-ed25519 AAAA...` (for `member import`).
    pub public: String,
    /// The line of the signers file, for messages.
    pub line: usize,
}

/// The signers file: which key speaks for which name, from when to when, and
/// which keys were revoked.
#[derive(Clone, Debug, Default)]
pub struct Signers {
    pub entries: Vec<Signer>,
    /// Keys revoked (a lost or stolen laptop): in a shared directory each names
    /// the partnership's history its admin had seen, and a line the key signed
    /// that is not in that history does not count, whatever time it claims.
    pub revoked: Vec<Revocation>,
    /// The data directory whose git history a revocation's `seen_head` is looked
    /// up in (`None`: unshared, or not looked up: `as_of` decides).
    pub history: Option<PathBuf>,
}

/// A revoked key: the member list's `key_revoked` entries, or an unshared
/// directory's signers file's `@revoked` lines.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Revocation {
    /// The key's fingerprint (`SHA256:...`).
    pub fingerprint: String,
    /// From when the key is no longer trusted (the lines it signed then or later
    /// do not count where the seen history cannot decide).
    #[serde(with = "crate::domain::clock::rfc3339")]
    pub as_of: Instant,
    /// Why, in the admin's words ("laptop stolen").
    pub reason: String,
    /// The admin who revoked it.
    pub by: String,
    /// When the admin revoked it.
    #[serde(with = "crate::domain::clock::rfc3339")]
    pub on: Instant,
    /// The newest commit of the partnership's history the admin had seen: the
    /// key's lines in it stay valid; every other line it signed does not count.
    pub seen_head: Option<String>,
    /// The member list's line that revoked it (`None` from a signers file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The lines this key signed in `seen_head`'s tree, as far as this command
    /// has looked them up.
    #[serde(skip)]
    pub(crate) seen: std::sync::Arc<crate::share::seen::Seen>,
}

impl Revocation {
    /// A revocation as the member list (or the signers file) records it.
    pub fn new(
        fingerprint: String,
        as_of: Instant,
        reason: String,
        by: String,
        on: Instant,
        seen_head: Option<String>,
    ) -> Revocation {
        Revocation {
            fingerprint,
            as_of,
            reason,
            by,
            on,
            seen_head,
            line: None,
            seen: Default::default(),
        }
    }

    /// "laptop stolen, revoked by Pat on 7 December 2026": how `show` and
    /// `verify` name it.
    pub fn words(&self) -> String {
        format!(
            "{}, revoked by {} on {}",
            self.reason,
            self.by,
            crate::domain::clock::human_instant(&self.on)
        )
    }
}

/// Whether the signers file allows a key to sign as a name at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Why not, in words.
    Refused(String),
}

impl Signers {
    pub fn path_in(data_dir: &Path) -> PathBuf {
        crate::store::layout::signers(data_dir)
    }

    /// Read the signers file; `None` when there is none (signers not pinned).
    pub fn load(data_dir: &Path) -> Result<Option<Signers>> {
        // A shared directory's member list, where it has one, says who signs.
        match crate::members::signers_in(data_dir) {
            Some(Ok((s, _))) => return Ok(Some(s.with_history(data_dir).0)),
            Some(Err((path, line, what))) => {
                return Err(Error::damaged_file(
                    &path,
                    format!("line {line}: {what}"),
                    Hint::RepairMemberList,
                ))
            }
            None => {}
        }
        let path = Signers::path_in(data_dir);
        match std::fs::symlink_metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            _ => {}
        }
        let text = crate::store::fsutil::read_regular(&path, 4 * 1024 * 1024)?;
        Signers::parse(&text)
            .map(|s| Some(s.with_history(data_dir).0))
            .map_err(|(line, what)| {
                Error::damaged_file(&path, format!("line {line}: {what}"), Hint::FixSignersLine)
            })
    }

    /// SHA-256 of the signers file's bytes, `None` when there is none, for a
    /// checkpoint to record.
    pub fn file_hash(data_dir: &Path) -> Option<String> {
        crate::store::fsutil::read_file(&Signers::path_in(data_dir))
            .ok()
            .map(|b| crate::store::journal::line::sha256_hex(&b))
    }

    pub(crate) fn parse(text: &str) -> std::result::Result<Signers, (usize, String)> {
        let mut entries = Vec::new();
        let mut revoked = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(rest) = line.strip_prefix("@revoked") {
                revoked.push(parse_revocation(rest).map_err(|what| (i + 1, what))?);
                continue;
            }
            entries.push(parse_entry(line, i + 1).map_err(|what| (i + 1, what))?);
        }
        Ok(Signers {
            entries,
            revoked,
            history: None,
        })
    }

    /// Look revocations' seen heads up in `data_dir`'s git history (a shared
    /// directory); without one, `as_of` decides. Returns what the verdicts now
    /// depend on besides the file itself, for a cache to key on: for each
    /// revocation with a seen head, whether that commit can be read here.
    pub fn with_history(mut self, data_dir: &Path) -> (Signers, String) {
        let mut depends = String::new();
        if !self.revoked.iter().any(|r| r.seen_head.is_some())
            || !crate::store::layout::git_dir(data_dir).is_dir()
        {
            return (self, depends);
        }
        for r in &self.revoked {
            if let Some(head) = &r.seen_head {
                let there = crate::share::seen::has_commit(data_dir, head);
                depends.push_str(&format!(" {head}={}", u8::from(there)));
            }
        }
        self.history = Some(data_dir.to_owned());
        (self, depends)
    }

    /// Whether a line signed by `fingerprint`, recorded at `at`, with signature
    /// `sig`, falls under a revocation: the words why, if so. A revocation with a
    /// seen head that can be read decides by whether the line is in it (a thief
    /// cannot backdate past it); otherwise by `as_of`.
    pub fn revoked_line(
        &self,
        fingerprint: &str,
        at: &Instant,
        sig: Option<&str>,
        dispute: Option<&str>,
    ) -> Option<String> {
        for r in self.revoked.iter().filter(|r| r.fingerprint == fingerprint) {
            let seen = match (&r.seen_head, &self.history, sig) {
                (Some(head), Some(dir), Some(sig)) => {
                    r.seen.holds(dir, head, fingerprint, dispute, sig)
                }
                _ => None,
            };
            let outside = match seen {
                Some(held) => !held,
                None => *at >= r.as_of,
            };
            if outside {
                let since = match (seen, &r.seen_head) {
                    (Some(_), Some(head)) => format!(
                        "it is not in the partnership's history {} had seen (commit {})",
                        r.by,
                        &head[..head.len().min(12)]
                    ),
                    _ => format!(
                        "it was recorded at {}, on or after the revocation's {}",
                        crate::domain::clock::human_instant(at),
                        crate::domain::clock::human_instant(&r.as_of)
                    ),
                };
                // After "signed by a revoked key" (`Doubt::words`) in lists, and
                // alone in `verify`'s message: it names the key and says why.
                return Some(format!(
                    "key {fingerprint} was revoked ({}); {since}",
                    r.words()
                ));
            }
        }
        None
    }

    /// Whether `fingerprint` may sign as `name` at `at`: listed for that name
    /// then, and not revoked by then.
    pub fn verdict(&self, name: &str, fingerprint: &str, at: &Instant) -> Verdict {
        match self.listed(name, fingerprint, at) {
            Verdict::Allowed => match self.revoked_line(fingerprint, at, None, None) {
                Some(why) => Verdict::Refused(why),
                None => Verdict::Allowed,
            },
            refused => refused,
        }
    }

    /// Whether the file's entries allow `fingerprint` to sign as `name` at `at`,
    /// revocations aside.
    pub(crate) fn listed(&self, name: &str, fingerprint: &str, at: &Instant) -> Verdict {
        let for_key: Vec<&Signer> = self
            .entries
            .iter()
            .filter(|s| s.fingerprint == fingerprint)
            .collect();
        if for_key.is_empty() {
            return Verdict::Refused(format!(
                "it is signed by key {fingerprint}, which the signers file does not list"
            ));
        }
        let named: Vec<&&Signer> = for_key.iter().filter(|s| s.name == name).collect();
        if named.is_empty() {
            let names: Vec<&str> = for_key.iter().map(|s| s.name.as_str()).collect();
            return Verdict::Refused(format!(
                "it is recorded by {name:?} but signed by key {fingerprint}, which the signers file lists for {}",
                names.join(", ")
            ));
        }
        if named.iter().any(|s| {
            s.valid_after.is_none_or(|t| *at >= t) && s.valid_before.is_none_or(|t| *at < t)
        }) {
            return Verdict::Allowed;
        }
        Verdict::Refused(format!(
            "it is signed by {name:?}'s key {fingerprint} at {}, outside the dates the signers file allows that key (line {})",
            crate::domain::clock::human_instant(at),
            named[0].line
        ))
    }
}

/// Take one token: a double-quoted string (with `\"` and `\\`) or a run without
/// white space. Returns the token and the rest.
fn token(s: &str) -> std::result::Result<(String, &str), String> {
    let s = s.trim_start();
    if let Some(rest) = s.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => return Ok((out, &rest[i + 1..])),
                '\\' => match chars.next() {
                    Some((_, c)) => out.push(c),
                    None => break,
                },
                c => out.push(c),
            }
        }
        return Err("a quoted name is not closed".into());
    }
    let end = s.find(char::is_whitespace).unwrap_or(s.len());
    Ok((s[..end].to_owned(), &s[end..]))
}

/// `YYYYMMDD[HHMM[SS]]`, UTC, as in ssh-keygen's allowed_signers.
pub(crate) fn parse_time(v: &str) -> std::result::Result<Instant, String> {
    let bad = || format!("{v:?} is not a time as YYYYMMDD or YYYYMMDDHHMM[SS]");
    if !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let naive = match v.len() {
        8 => NaiveDate::parse_from_str(v, "%Y%m%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0)),
        12 => NaiveDateTime::parse_from_str(v, "%Y%m%d%H%M").ok(),
        14 => NaiveDateTime::parse_from_str(v, "%Y%m%d%H%M%S").ok(),
        _ => None,
    }
    .ok_or_else(bad)?;
    Ok(crate::domain::clock::to_london(
        Utc.from_utc_datetime(&naive),
    ))
}

/// `"name" [options] ssh-ed25519 BASE64 [agency]`: ssh-keygen's allowed_signers
/// line, so the file itself works with `ssh-keygen -Y verify -f signers`. Options
/// are comma-separated `valid-after="..."`, `valid-before="..."` and
/// `namespaces="..."`; the key's comment is the signer's agency.
fn parse_entry(line: &str, number: usize) -> std::result::Result<Signer, String> {
    let (name, rest) = token(line)?;
    let name = name.trim().to_owned();
    if name.is_empty() {
        return Err("the name is empty".into());
    }
    let mut signer = Signer {
        name,
        agency: None,
        valid_after: None,
        valid_before: None,
        fingerprint: String::new(),
        public: String::new(),
        line: number,
    };
    let mut rest = rest.trim_start();
    if !rest.starts_with("ssh-") {
        let (options, after) = options_token(rest)?;
        for (k, v) in options {
            match k.as_str() {
                "valid-after" => signer.valid_after = Some(parse_time(&v)?),
                "valid-before" => signer.valid_before = Some(parse_time(&v)?),
                "namespaces" if v.split(',').any(|n| n == NAMESPACE) => {}
                "namespaces" => {
                    return Err(format!(
                        "its namespaces do not include {NAMESPACE}, so the key may not sign journal lines"
                    ))
                }
                other => return Err(format!("unknown option {other:?}")),
            }
        }
        rest = after.trim_start();
    }
    let (kind, rest) = token(rest)?;
    let (blob, rest) = token(rest)?;
    let key = PublicKey::from_openssh(&format!("{kind} {blob}"))
        .map_err(|_| "the key is not an OpenSSH public key (ssh-ed25519 AAAA...)".to_string())?;
    signer.fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
    signer.public = format!("{kind} {blob}");
    let agency = rest.trim();
    signer.agency = (!agency.is_empty()).then(|| agency.to_owned());
    Ok(signer)
}

/// `@revoked SHA256:FP as-of="...",on="...",by="NAME",reason="TEXT"[,seen-head="COMMIT"]`:
/// a revoked key, times as in `valid-after`. ssh-keygen skips the line (an
/// auditor's `ssh-keygen -Y verify` does not know a key was revoked).
fn parse_revocation(rest: &str) -> std::result::Result<Revocation, String> {
    let (fingerprint, rest) = token(rest)?;
    if !fingerprint.starts_with("SHA256:") {
        return Err(format!(
            "{fingerprint:?} is not a key fingerprint (SHA256:...)"
        ));
    }
    let (options, tail) = options_token(rest.trim_start())?;
    if !tail.trim().is_empty() {
        return Err(format!("unexpected {:?} after the options", tail.trim()));
    }
    let get = |name: &str| {
        options
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let need = |v: Option<String>, name: &str| {
        v.ok_or_else(|| format!("a revocation needs {name}=\"...\""))
    };
    let as_of = parse_time(&need(get("as-of"), "as-of")?)?;
    let on = parse_time(&need(get("on"), "on")?)?;
    let seen_head = get("seen-head");
    if let Some(h) = &seen_head {
        if h.len() < 7 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("{h:?} is not a commit"));
        }
    }
    Ok(Revocation::new(
        fingerprint,
        as_of,
        need(get("reason"), "reason")?,
        need(get("by"), "by")?,
        on,
        seen_head,
    ))
}

/// Parse `k="v",k2=v2` up to the first white space outside quotes.
#[allow(clippy::type_complexity)]
fn options_token(s: &str) -> std::result::Result<(Vec<(String, String)>, &str), String> {
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        let eq = rest
            .find('=')
            .ok_or_else(|| "an option has no value".to_string())?;
        let key = rest[..eq].to_owned();
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(format!("{key:?} is not an option"));
        }
        let after = &rest[eq + 1..];
        let (value, tail) = if after.starts_with('"') {
            token(after)?
        } else {
            let end = after
                .find(|c: char| c == ',' || c.is_whitespace())
                .unwrap_or(after.len());
            (after[..end].to_owned(), &after[end..])
        };
        out.push((key, value));
        match tail.strip_prefix(',') {
            Some(more) => rest = more,
            None => return Ok((out, tail)),
        }
    }
}

/// A ready-to-paste signers line for a key, valid from `from`.
pub fn signers_line(name: &str, key: &Key, from: &Instant, agency: Option<&str>) -> String {
    let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
    let public = key.public_openssh();
    let mut parts = public.split_whitespace();
    let kind = parts.next().unwrap_or_default();
    let blob = parts.next().unwrap_or_default();
    let mut line = format!(
        "\"{escaped}\" valid-after=\"{}\" {kind} {blob}",
        from.with_timezone(&Utc).format("%Y%m%d")
    );
    if let Some(a) = agency.filter(|a| !a.trim().is_empty()) {
        line.push(' ');
        line.push_str(a.trim());
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key {
        Key::from_seed(&[7; 32], "t")
    }

    #[test]
    fn a_signature_round_trips_and_any_change_is_caught() {
        let k = key();
        let body = k.sign(b"hello").unwrap();
        assert!(check(b"hello", &body, k.fingerprint()).is_ok());
        assert!(check(b"hellO", &body, k.fingerprint()).is_err());
        let other = Key::from_seed(&[8; 32], "o");
        assert!(check(b"hello", &body, other.fingerprint()).is_err());
        assert!(check(b"hello", "AAAA", k.fingerprint()).is_err());
    }

    #[test]
    fn a_key_remembered_from_an_earlier_line_still_catches_every_change() {
        let k = key();
        let body = k.sign(b"line one").unwrap();
        // The first check decompresses and keeps the key; the rest reuse it.
        for _ in 0..3 {
            assert!(check(b"line one", &body, k.fingerprint()).is_ok());
            assert!(check(b"line onE", &body, k.fingerprint()).is_err());
        }
        let witness = k.sign_in("escalate-witness", b"line one").unwrap();
        assert!(check(b"line one", &witness, k.fingerprint()).is_err());
        assert!(check_in("escalate-witness", b"line one", &witness, k.fingerprint()).is_ok());
        // Agrees with ssh-key's own verification, line for line.
        let sig = decode_sig(&body).unwrap();
        let public = PublicKey::from(sig.public_key().clone());
        for msg in [&b"line one"[..], b"line two", b""] {
            let ours = prepare(NAMESPACE, msg, &body, k.fingerprint()).map(|p| p.verify_one());
            assert_eq!(
                matches!(ours, Ok(Ok(()))),
                public.verify(NAMESPACE, msg, &sig).is_ok(),
                "{msg:?}"
            );
        }
    }

    /// Lines signed by two keys, `n` of them, each as (message, body, fingerprint).
    fn signed_lines(n: usize) -> Vec<(Vec<u8>, String, String)> {
        let keys = [key(), Key::from_seed(&[9; 32], "n")];
        (0..n)
            .map(|i| {
                let k = &keys[i % 2];
                let msg = format!("line {i}").into_bytes();
                let body = k.sign(&msg).unwrap();
                (msg, body, k.fingerprint().to_owned())
            })
            .collect()
    }

    fn many(lines: &[(Vec<u8>, String, String)]) -> Vec<std::result::Result<(), String>> {
        let items: Vec<ToCheck<'_>> = lines
            .iter()
            .map(|(msg, body, signer)| ToCheck { msg, body, signer })
            .collect();
        check_many(&items)
    }

    #[test]
    fn a_batch_names_exactly_the_lines_one_at_a_time_checks_would() {
        // More than one batch, so the batches also run on the pool.
        let mut lines = signed_lines(2 * BATCH + 5);
        assert!(many(&lines).iter().all(|v| v.is_ok()));
        // A changed line, a signature moved to another line, a wrong key named
        // and an armour that is not base64: each named, the rest still hold.
        lines[3].0 = b"line 3, changed".to_vec();
        lines[70].1 = lines[72].1.clone();
        lines[71].2 = lines[72].2.clone();
        lines[130].1 = "not base64!".into();
        let verdicts = many(&lines);
        for (i, (v, (msg, body, signer))) in verdicts.iter().zip(&lines).enumerate() {
            let alone = check(msg, body, signer).map(drop);
            assert_eq!(v, &alone, "line {i}");
            assert_eq!(v.is_err(), [3, 70, 71, 130].contains(&i), "line {i}");
        }
        assert!(verdicts[3].as_ref().unwrap_err().contains("does not match"));
        // One line alone, and none.
        assert_eq!(
            many(&lines[3..4]),
            [check(&lines[3].0, &lines[3].1, &lines[3].2).map(drop)]
        );
        assert!(many(&[]).is_empty());
    }

    #[test]
    fn signatures_checked_later_blame_only_the_groups_that_fail() {
        // Groups (journals) of a few lines each, more in all than one batch.
        let lines = signed_lines(BATCH + 40);
        let mut groups: Vec<Vec<(Vec<u8>, String, String)>> =
            lines.chunks(7).map(<[_]>::to_vec).collect();
        groups[5][3].0 = b"changed after signing".to_vec();
        groups[30][0].1 = "not base64!".into();
        let mut later = Vec::new();
        let mut now = Vec::new();
        for g in &groups {
            let items: Vec<ToCheck<'_>> = g
                .iter()
                .map(|(msg, body, signer)| ToCheck { msg, body, signer })
                .collect();
            let mut l = Later::default();
            now.push(check_many_later(&items, &mut l));
            later.push(l);
        }
        // What cannot hold is named at once; a changed line waits for the batch.
        assert!(now[30][0].as_ref().unwrap_err().contains("not base64"));
        assert!(now.iter().flatten().filter(|v| v.is_err()).count() == 1);
        let holds = Later::hold(&later.iter().collect::<Vec<_>>());
        let failed: Vec<usize> = (0..groups.len()).filter(|&g| !holds[g]).collect();
        assert_eq!(failed, [5]);
        assert!(Later::hold(&[]).is_empty());
    }

    #[test]
    fn the_quick_reading_of_a_signature_refuses_all_the_full_reading_does() {
        use base64ct::{Base64, Encoding};
        let k = key();
        let body = k.sign(b"msg").unwrap();
        let blob = Base64::decode_vec(&body).unwrap();
        let mut bodies = vec![body.clone()];
        // Base64 that decodes to the same bytes but is not the one encoding.
        bodies.push(format!("{body}="));
        bodies.push(format!("{body}\n"));
        // Version 0, bytes after the signature, a reserved field, another hash,
        // a wrong length, a key that is no point.
        let edited = |f: &dyn Fn(&mut Vec<u8>)| {
            let mut b = blob.clone();
            f(&mut b);
            Base64::encode_string(&b)
        };
        bodies.push(edited(&|b| b[9] = 0));
        bodies.push(edited(&|b| b.push(0)));
        bodies.push(edited(&|b| b[6 + 4 + 4 + 51 + 4 + 16 + 3] = 1));
        bodies.push(edited(&|b| b.truncate(b.len() - 1)));
        bodies.push(edited(&|b| b[6 + 4 + 4 + 4 + 11 + 4] ^= 0xff));
        for (i, body) in bodies.iter().enumerate() {
            for signer in [k.fingerprint(), "SHA256:other"] {
                let quick = prepare(NAMESPACE, b"msg", body, signer).map(|p| p.verify_one());
                let full = prepare_any(NAMESPACE, b"msg", body, signer).map(|p| p.verify_one());
                assert_eq!(quick, full, "body {i}, {signer}");
                // Version 0 is below the one version there is: OpenSSH and
                // ssh-key take it, so the full reading does (the quick one
                // leaves it to the full one).
                let counts = (i == 0 || i == 3) && signer == k.fingerprint();
                assert_eq!(matches!(quick, Ok(Ok(()))), counts, "body {i}");
            }
        }
    }

    #[test]
    fn signers_lines_parse_and_judge() {
        let k = key();
        let at = crate::domain::clock::parse_instant("2026-11-23T09:00:00Z").unwrap();
        let line = signers_line("Jo \"DSL\" Bloggs", &k, &at, None);
        let text = format!("# comment\n{line}\n");
        let s = Signers::parse(&text).unwrap();
        assert_eq!(s.entries[0].name, "Jo \"DSL\" Bloggs");
        assert_eq!(
            s.verdict("Jo \"DSL\" Bloggs", k.fingerprint(), &at),
            Verdict::Allowed
        );
        assert!(matches!(
            s.verdict("Someone", k.fingerprint(), &at),
            Verdict::Refused(_)
        ));
        let early = crate::domain::clock::parse_instant("2026-11-22T09:00:00Z").unwrap();
        assert!(matches!(
            s.verdict("Jo \"DSL\" Bloggs", k.fingerprint(), &early),
            Verdict::Refused(_)
        ));
        let with_agency = format!(
            "\"Jo\" valid-before=\"20270101\" {} Hollyfield Primary",
            k.public_openssh().rsplit_once(' ').unwrap().0
        );
        let s = Signers::parse(&with_agency).unwrap();
        assert_eq!(s.entries[0].agency.as_deref(), Some("Hollyfield Primary"));
        assert!(Signers::parse("\"Jo\" bogus=1 ssh-ed25519 AAAA").is_err());
        assert!(Signers::parse("\"Jo\" ssh-ed25519 notakey").is_err());
    }

    #[test]
    fn a_revocation_without_history_counts_from_its_as_of_time() {
        let k = key();
        let text = format!(
            "\"Jo\" {}\n@revoked {} as-of=\"202611040900\",on=\"202611060900\",by=\"Pat\",reason=\"laptop stolen\",seen-head=\"abcdef0\"\n",
            k.public_openssh().rsplit_once(' ').unwrap().0,
            k.fingerprint()
        );
        let s = Signers::parse(&text).unwrap();
        assert_eq!(s.revoked.len(), 1);
        assert_eq!(s.revoked[0].reason, "laptop stolen");
        assert_eq!(s.revoked[0].seen_head.as_deref(), Some("abcdef0"));
        let before = crate::domain::clock::parse_instant("2026-11-04T08:59:00Z").unwrap();
        let after = crate::domain::clock::parse_instant("2026-11-04T09:00:00Z").unwrap();
        // No git history to look the seen head up in: `as_of` decides.
        assert_eq!(s.verdict("Jo", k.fingerprint(), &before), Verdict::Allowed);
        assert!(matches!(
            s.verdict("Jo", k.fingerprint(), &after),
            Verdict::Refused(why) if why.contains("revoked by Pat")
        ));
        assert!(s
            .revoked_line(k.fingerprint(), &after, Some("sig"), None)
            .is_some());
        for bad in [
            "@revoked notafingerprint as-of=\"20261104\",on=\"20261104\",by=\"P\",reason=\"r\"",
            "@revoked SHA256:x on=\"20261104\",by=\"P\",reason=\"r\"",
            "@revoked SHA256:x as-of=\"20261104\",on=\"20261104\",by=\"P\",reason=\"r\",seen-head=\"zz\"",
        ] {
            assert!(Signers::parse(bad).is_err(), "{bad}");
        }
    }
}
