//! Signatures and the certificates in them, parsed: X.509 names and dates ([`cert`]) and PKCS#7 /
//! CMS signed data with its signers ([`pkcs7`]). No analyser lives here: the analysers of signed
//! formats (Authenticode in `pe`, kernel-module signatures in `modsig`, Mach-O code signatures
//! in `macho`) and of certificate files (`cert_files`) read through this module, and it reads
//! none of them, so the dependencies run one way.

pub mod cert;
pub mod pkcs7;
