//! X.509 signer certificates: the facts a store keeps about a signer, and the
//! few properties the verifiers check.
//!
//! Certificates are decoded with `x509-cert`. Fingerprints are taken over the
//! bytes exactly as they appear in the APK (as apksig's
//! `GuaranteedEncodedFormX509Certificate` does), never over a re-encoding.

pub(crate) use crate::hex::hex;
use der::{Decode, Encode, Tagged};
use sha2::Digest;
use shelfgate_contract::types::Certificate;
use x509_cert::name::Name;

use super::ber;
use super::crypto::PublicKey;

/// The subject of the SDK's debug keystore certificate.
const DEBUG_SUBJECT: &str = "CN=Android Debug,O=Android,C=US";

/// Critical extensions Java's certificate parser understands (OpenJDK
/// `OIDMap`); apksig rejects a v1 signing certificate with any other.
const KNOWN_EXTENSIONS: &[&str] = &[
    "2.5.29.14",
    "2.5.29.15",
    "2.5.29.16",
    "2.5.29.17",
    "2.5.29.18",
    "2.5.29.19",
    "2.5.29.20",
    "2.5.29.21",
    "2.5.29.24",
    "2.5.29.27",
    "2.5.29.28",
    "2.5.29.29",
    "2.5.29.30",
    "2.5.29.31",
    "2.5.29.32",
    "2.5.29.33",
    "2.5.29.35",
    "2.5.29.36",
    "2.5.29.37",
    "2.5.29.46",
    "2.5.29.54",
    "1.3.6.1.5.5.7.1.1",
    "1.3.6.1.5.5.7.1.11",
    "1.3.6.1.5.5.7.48.1.5",
    "2.16.840.1.113730.1.1",
];

/// A parsed certificate.
pub struct Cert {
    /// The encoding as found in the APK.
    pub der: Vec<u8>,
    /// The `SubjectPublicKeyInfo`, DER.
    pub spki: Vec<u8>,
    /// The issuer name, DER, and its serial number's integer bytes: what a
    /// PKCS#7 `IssuerAndSerialNumber` refers to.
    pub issuer_der: Vec<u8>,
    pub serial: Vec<u8>,
    /// A critical extension Java would not understand, if any.
    pub unsupported_critical: Option<String>,
    /// `(digitalSignature, nonRepudiation)` when a KeyUsage extension exists.
    pub key_usage: Option<(bool, bool)>,
    pub facts: Certificate,
}

impl Cert {
    pub fn parse(der: &[u8]) -> Result<Cert, String> {
        let cert = x509_cert::Certificate::from_der(der)
            .map_err(|e| format!("malformed X.509 certificate: {e}"))?;
        let tbs = &cert.tbs_certificate;
        let spki = tbs
            .subject_public_key_info
            .to_der()
            .map_err(|e| format!("malformed public key: {e}"))?;
        let issuer_der = tbs
            .issuer
            .to_der()
            .map_err(|e| format!("malformed issuer: {e}"))?;
        let key = PublicKey::from_spki(&spki);
        let (key_algorithm, key_bits) = match &key {
            Ok(k) => (k.algorithm().to_string(), k.bits()),
            Err(_) => (tbs.subject_public_key_info.algorithm.oid.to_string(), 0),
        };
        let mut unsupported_critical = None;
        let mut key_usage = None;
        for ext in tbs.extensions.iter().flatten() {
            let oid = ext.extn_id.to_string();
            if ext.critical && !KNOWN_EXTENSIONS.contains(&oid.as_str()) {
                unsupported_critical.get_or_insert(oid.clone());
            }
            if oid == "2.5.29.15" {
                key_usage = Some(parse_key_usage(ext.extn_value.as_bytes()));
            }
        }
        let subject = format_name(&tbs.subject);
        let facts = Certificate {
            sha256: hex(&sha2::Sha256::digest(der)),
            sha1: hex(&sha1::Sha1::digest(der)),
            md5: hex(&md5::Md5::digest(der)),
            is_debug: subject == DEBUG_SUBJECT,
            subject,
            issuer: format_name(&tbs.issuer),
            serial: hex(strip_sign_byte(tbs.serial_number.as_bytes())),
            not_before: tbs.validity.not_before.to_date_time().to_string(),
            not_after: tbs.validity.not_after.to_date_time().to_string(),
            key_algorithm,
            key_bits,
            signature_algorithm: signature_algorithm_name(
                &cert.signature_algorithm.oid.to_string(),
            ),
        };
        Ok(Cert {
            der: der.to_vec(),
            spki,
            issuer_der,
            serial: tbs.serial_number.as_bytes().to_vec(),
            unsupported_critical,
            key_usage,
            facts,
        })
    }

    /// The certificate's public key, ready to verify with.
    pub fn public_key(&self) -> Result<PublicKey, String> {
        PublicKey::from_spki(&self.spki)
    }

    /// Whether a PKCS#7 `IssuerAndSerialNumber` names this certificate: the
    /// serial numbers are equal integers and the issuers equal names.
    pub fn matches(&self, issuer_der: &[u8], serial: &[u8]) -> bool {
        if strip_sign_byte(serial) != strip_sign_byte(&self.serial) {
            return false;
        }
        if issuer_der == self.issuer_der.as_slice() {
            return true;
        }
        // X500Principal compares canonical forms: case and spacing aside.
        match Name::from_der(issuer_der) {
            Ok(name) => canonical(&format_name(&name)) == canonical(&self.facts.issuer),
            Err(_) => false,
        }
    }
}

fn canonical(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Drops the sign-extension byte of a positive two's complement integer.
fn strip_sign_byte(b: &[u8]) -> &[u8] {
    let mut b = b;
    while let [0, next, ..] = b {
        if next & 0x80 != 0 {
            return b.get(1..).unwrap_or_default();
        }
        b = b.get(1..).unwrap_or_default();
    }
    b
}

/// `(digitalSignature, nonRepudiation)` from a KeyUsage BIT STRING; a
/// malformed one grants nothing.
fn parse_key_usage(ext_value: &[u8]) -> (bool, bool) {
    let Ok(bits) = ber::read_all(ext_value) else {
        return (false, false);
    };
    match bits.content {
        [_, first, ..] => (first & 0x80 != 0, first & 0x40 != 0),
        _ => (false, false),
    }
}

fn signature_algorithm_name(oid: &str) -> String {
    let name = match oid {
        "1.2.840.113549.1.1.4" => "MD5withRSA",
        "1.2.840.113549.1.1.5" => "SHA1withRSA",
        "1.2.840.113549.1.1.14" => "SHA224withRSA",
        "1.2.840.113549.1.1.11" => "SHA256withRSA",
        "1.2.840.113549.1.1.12" => "SHA384withRSA",
        "1.2.840.113549.1.1.13" => "SHA512withRSA",
        "1.2.840.113549.1.1.10" => "RSASSA-PSS",
        "1.2.840.10045.4.1" => "SHA1withECDSA",
        "1.2.840.10045.4.3.1" => "SHA224withECDSA",
        "1.2.840.10045.4.3.2" => "SHA256withECDSA",
        "1.2.840.10045.4.3.3" => "SHA384withECDSA",
        "1.2.840.10045.4.3.4" => "SHA512withECDSA",
        "1.2.840.10040.4.3" => "SHA1withDSA",
        "2.16.840.1.101.3.4.3.1" => "SHA224withDSA",
        "2.16.840.1.101.3.4.3.2" => "SHA256withDSA",
        other => other,
    };
    name.to_string()
}

/// RFC 4514 string of a name: RDNs last to first, `+` between the values of
/// one RDN, keywords for the common attribute types and `OID=#hex` otherwise.
pub fn format_name(name: &Name) -> String {
    let mut out = String::new();
    for (i, rdn) in name.0.iter().rev().enumerate() {
        if i > 0 {
            out.push(',');
        }
        for (j, atv) in rdn.0.iter().enumerate() {
            if j > 0 {
                out.push('+');
            }
            let oid = atv.oid.to_string();
            let text = attribute_text(&atv.value);
            match (keyword(&oid), text) {
                (Some(k), Some(text)) => {
                    out.push_str(k);
                    out.push('=');
                    escape_into(&mut out, &text);
                }
                (_, _) => {
                    out.push_str(&oid);
                    out.push_str("=#");
                    out.push_str(&hex(&atv.value.to_der().unwrap_or_default()));
                }
            }
        }
    }
    out
}

fn keyword(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.6" => "C",
        "2.5.4.9" => "STREET",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        "1.2.840.113549.1.9.1" => "EMAILADDRESS",
        "2.5.4.5" => "SERIALNUMBER",
        "2.5.4.4" => "SURNAME",
        "2.5.4.42" => "GIVENNAME",
        "2.5.4.12" => "T",
        _ => return None,
    })
}

/// The text of a directory string, whatever string type carries it.
fn attribute_text(value: &der::Any) -> Option<String> {
    let bytes = value.value();
    match value.tag() {
        der::Tag::Utf8String
        | der::Tag::PrintableString
        | der::Tag::Ia5String
        | der::Tag::VisibleString => String::from_utf8(bytes.to_vec()).ok(),
        // T.61 in name only: in practice Latin-1.
        der::Tag::TeletexString => Some(bytes.iter().map(|b| char::from(*b)).collect()),
        der::Tag::BmpString => {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .filter_map(|c| <[u8; 2]>::try_from(c).ok().map(u16::from_be_bytes))
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

fn escape_into(out: &mut String, text: &str) {
    let last = text.chars().count().saturating_sub(1);
    for (i, c) in text.chars().enumerate() {
        match c {
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' | '=' => {
                out.push('\\');
                out.push(c);
            }
            '\0'..='\x1f' | '\x7f' => out.push_str(&format!("\\{:02x}", c as u32)),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_bytes_and_hex() {
        assert_eq!(strip_sign_byte(&[0, 0x80, 1]), &[0x80, 1]);
        assert_eq!(strip_sign_byte(&[0, 0, 1]), &[1]);
        assert_eq!(strip_sign_byte(&[0x7f]), &[0x7f]);
        assert_eq!(hex(&[0, 0xab]), "00ab");
    }

    #[test]
    fn key_usage_bits() {
        // BIT STRING, 7 unused bits, digitalSignature only.
        assert_eq!(parse_key_usage(&[0x03, 0x02, 0x07, 0x80]), (true, false));
        assert_eq!(parse_key_usage(&[0x03, 0x02, 0x06, 0x40]), (false, true));
        assert_eq!(parse_key_usage(&[0x03, 0x01, 0x00]), (false, false));
    }
}
