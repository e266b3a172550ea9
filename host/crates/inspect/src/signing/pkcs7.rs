//! PKCS#7 / CMS `SignedData`, as found in JAR signature block files
//! (`.RSA`, `.DSA`, `.EC`).
//!
//! Only the fields Android's JAR verifier reads are extracted. Parsing
//! follows apksig's `Asn1BerParser`: BER is accepted (indefinite lengths,
//! constructed strings), certificates are kept as their encoded bytes, and
//! signed attributes as the verbatim `[0] IMPLICIT` encoding, since Android
//! verifies the signature over that encoding with only its first byte
//! changed to `SET`.

use der::asn1::ObjectIdentifier;

use super::ber::{self, BerError, Tlv};

pub const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
pub const OID_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
pub const OID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";

/// The parts of a `SignedData` a JAR verifier needs.
#[derive(Debug)]
pub struct SignedData<'a> {
    /// `encapContentInfo.eContentType`, dotted.
    pub content_type: String,
    /// `certificates`, each as its full encoding.
    pub certificates: Vec<&'a [u8]>,
    pub signer_infos: Vec<SignerInfo<'a>>,
}

#[derive(Debug)]
pub struct SignerInfo<'a> {
    /// `IssuerAndSerialNumber`: the issuer's encoding and the serial's
    /// integer bytes. `None` when the signer is named by subject key
    /// identifier, which Android does not support.
    pub issuer_and_serial: Option<(&'a [u8], &'a [u8])>,
    pub digest_algorithm: String,
    /// The `[0] IMPLICIT` signed attributes, verbatim.
    pub signed_attrs: Option<&'a [u8]>,
    pub signature_algorithm: String,
    pub signature: Vec<u8>,
}

/// A signed attribute: its type and the encodings of its values.
#[derive(Debug)]
pub struct Attribute<'a> {
    pub oid: String,
    pub values: Vec<Tlv<'a>>,
}

fn err(what: &'static str) -> impl Fn(BerError) -> String {
    move |e| format!("{what}: {e}")
}

/// Parses a `ContentInfo` carrying `SignedData`.
pub fn parse(bytes: &[u8]) -> Result<SignedData<'_>, String> {
    let (info, _) = ber::read(bytes).map_err(err("ContentInfo"))?;
    expect_tag(&info, ber::SEQUENCE, "ContentInfo")?;
    let mut fields = info.children();
    let content_type = oid(&fields
        .required("missing contentType")
        .map_err(err("ContentInfo"))?)?;
    if content_type != OID_SIGNED_DATA {
        return Err(format!(
            "unsupported ContentInfo.contentType: {content_type}"
        ));
    }
    let explicit = fields
        .required("missing content")
        .map_err(err("ContentInfo"))?;
    expect_tag(&explicit, ber::CONTEXT_0, "ContentInfo.content")?;
    let signed = explicit
        .children()
        .required("empty content")
        .map_err(err("ContentInfo.content"))?;
    expect_tag(&signed, ber::SEQUENCE, "SignedData")?;

    let mut fields = signed.children();
    let version = fields
        .required("missing version")
        .map_err(err("SignedData"))?;
    expect_tag(&version, ber::INTEGER, "SignedData.version")?;
    let digests = fields
        .required("missing digestAlgorithms")
        .map_err(err("SignedData"))?;
    expect_tag(&digests, ber::SET, "SignedData.digestAlgorithms")?;
    let encap = fields
        .required("missing encapContentInfo")
        .map_err(err("SignedData"))?;
    expect_tag(&encap, ber::SEQUENCE, "SignedData.encapContentInfo")?;
    let content_type = oid(&encap
        .children()
        .required("missing eContentType")
        .map_err(err("encapContentInfo"))?)?;

    let mut certificates = Vec::new();
    if let Some(certs) = fields.optional(ber::CONTEXT_0).map_err(err("SignedData"))? {
        for cert in certs.children() {
            certificates.push(cert.map_err(err("SignedData.certificates"))?.raw);
        }
    }
    fields.optional(ber::CONTEXT_1).map_err(err("SignedData"))?;
    let infos = fields
        .required("missing signerInfos")
        .map_err(err("SignedData"))?;
    expect_tag(&infos, ber::SET, "SignedData.signerInfos")?;
    let mut signer_infos = Vec::new();
    for info in infos.children() {
        signer_infos.push(signer_info(&info.map_err(err("SignerInfo"))?)?);
    }
    Ok(SignedData {
        content_type,
        certificates,
        signer_infos,
    })
}

fn signer_info<'a>(info: &Tlv<'a>) -> Result<SignerInfo<'a>, String> {
    expect_tag(info, ber::SEQUENCE, "SignerInfo")?;
    let mut fields = info.children();
    let version = fields
        .required("missing version")
        .map_err(err("SignerInfo"))?;
    expect_tag(&version, ber::INTEGER, "SignerInfo.version")?;
    let sid = fields.required("missing sid").map_err(err("SignerInfo"))?;
    let issuer_and_serial = if sid.tag == ber::SEQUENCE {
        let mut parts = sid.children();
        let issuer = parts
            .required("missing issuer")
            .map_err(err("IssuerAndSerialNumber"))?;
        let serial = parts
            .required("missing serial")
            .map_err(err("IssuerAndSerialNumber"))?;
        expect_tag(&serial, ber::INTEGER, "IssuerAndSerialNumber.serialNumber")?;
        Some((issuer.raw, serial.content))
    } else {
        None
    };
    let digest_algorithm = algorithm(
        &fields
            .required("missing digestAlgorithm")
            .map_err(err("SignerInfo"))?,
    )?;
    let signed_attrs = fields
        .optional(ber::CONTEXT_0)
        .map_err(err("SignerInfo"))?
        .map(|t| t.raw);
    let signature_algorithm = algorithm(
        &fields
            .required("missing signatureAlgorithm")
            .map_err(err("SignerInfo"))?,
    )?;
    let signature = octets(
        &fields
            .required("missing signature")
            .map_err(err("SignerInfo"))?,
    )?;
    Ok(SignerInfo {
        issuer_and_serial,
        digest_algorithm,
        signed_attrs,
        signature_algorithm,
        signature,
    })
}

/// Parses signed attributes from their verbatim `[0] IMPLICIT` encoding.
pub fn attributes(signed_attrs: &[u8]) -> Result<Vec<Attribute<'_>>, String> {
    let set = ber::read_all(signed_attrs).map_err(err("signed attributes"))?;
    let mut out = Vec::new();
    for attr in set.children() {
        let attr = attr.map_err(err("signed attribute"))?;
        expect_tag(&attr, ber::SEQUENCE, "Attribute")?;
        let mut parts = attr.children();
        let oid = oid(&parts
            .required("missing attrType")
            .map_err(err("Attribute"))?)?;
        let set = parts
            .required("missing attrValues")
            .map_err(err("Attribute"))?;
        expect_tag(&set, ber::SET, "Attribute.attrValues")?;
        let values = set
            .children()
            .collect::<Result<Vec<_>, _>>()
            .map_err(err("Attribute.attrValues"))?;
        out.push(Attribute { oid, values });
    }
    Ok(out)
}

/// The bytes of an OCTET STRING value, primitive or constructed.
pub fn octets(tlv: &Tlv<'_>) -> Result<Vec<u8>, String> {
    if tlv.tag & !0x20 != ber::OCTET_STRING {
        return Err(format!(
            "expected an OCTET STRING, found tag {:#x}",
            tlv.tag
        ));
    }
    tlv.string_bytes()
        .map_err(|e| format!("malformed OCTET STRING: {e}"))
}

/// The OID of an `AlgorithmIdentifier`.
fn algorithm(tlv: &Tlv<'_>) -> Result<String, String> {
    expect_tag(tlv, ber::SEQUENCE, "AlgorithmIdentifier")?;
    oid(&tlv
        .children()
        .required("missing algorithm")
        .map_err(err("AlgorithmIdentifier"))?)
}

pub fn oid(tlv: &Tlv<'_>) -> Result<String, String> {
    expect_tag(tlv, ber::OID, "OBJECT IDENTIFIER")?;
    ObjectIdentifier::from_bytes(tlv.content)
        .map(|o| o.to_string())
        .map_err(|e| format!("malformed OBJECT IDENTIFIER: {e}"))
}

fn expect_tag(tlv: &Tlv<'_>, tag: u32, what: &str) -> Result<(), String> {
    if tlv.tag == tag {
        Ok(())
    } else {
        Err(format!("{what}: unexpected ASN.1 tag {:#x}", tlv.tag))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// DER: tag, definite length, contents.
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        match content.len() {
            n if n < 0x80 => out.push(n as u8),
            n if n < 0x100 => out.extend([0x81, n as u8]),
            n => out.extend([0x82, (n >> 8) as u8, n as u8]),
        }
        out.extend_from_slice(content);
        out
    }

    /// BER: constructed items with indefinite lengths.
    fn indefinite(tag: u8, content: &[u8]) -> Vec<u8> {
        [&[tag, 0x80][..], content, &[0, 0]].concat()
    }

    fn oid(dotted: &str) -> Vec<u8> {
        tlv(0x06, ObjectIdentifier::new_unwrap(dotted).as_bytes())
    }

    fn signed_data(c: fn(u8, &[u8]) -> Vec<u8>, signature: Vec<u8>) -> Vec<u8> {
        let issuer = c(
            0x30,
            &c(0x31, &c(0x30, &[oid("2.5.4.3"), tlv(0x0c, b"x")].concat())),
        );
        let signer = c(
            0x30,
            &[
                tlv(0x02, &[1]),
                c(0x30, &[issuer, tlv(0x02, &[0x00, 0x85])].concat()),
                c(0x30, &oid("2.16.840.1.101.3.4.2.1")),
                c(0x30, &oid("1.2.840.113549.1.1.1")),
                signature,
            ]
            .concat(),
        );
        let body = [
            tlv(0x02, &[1]),
            c(0x31, &c(0x30, &oid("2.16.840.1.101.3.4.2.1"))),
            c(0x30, &oid("1.2.840.113549.1.7.1")),
            c(0xa0, &c(0x30, b"")),
            c(0x31, &signer),
        ]
        .concat();
        c(
            0x30,
            &[oid(OID_SIGNED_DATA), c(0xa0, &c(0x30, &body))].concat(),
        )
    }

    #[test]
    fn der_and_ber_forms_agree() {
        let der = signed_data(tlv, tlv(0x04, b"sig"));
        let ber = signed_data(
            indefinite,
            indefinite(0x24, &[tlv(0x04, b"si"), tlv(0x04, b"g")].concat()),
        );
        for bytes in [der, ber] {
            let sd = parse(&bytes).unwrap();
            assert_eq!(sd.content_type, "1.2.840.113549.1.7.1");
            assert_eq!(sd.certificates.len(), 1);
            let info = &sd.signer_infos[0];
            assert_eq!(info.digest_algorithm, "2.16.840.1.101.3.4.2.1");
            assert_eq!(info.signature_algorithm, "1.2.840.113549.1.1.1");
            assert_eq!(info.signature, b"sig");
            assert_eq!(info.issuer_and_serial.unwrap().1, &[0x00, 0x85]);
            assert!(info.signed_attrs.is_none());
        }
    }

    #[test]
    fn rejects_other_content() {
        let data = tlv(
            0x30,
            &[oid("1.2.840.113549.1.7.1"), tlv(0xa0, &tlv(0x30, b""))].concat(),
        );
        assert!(parse(&data).is_err());
        assert!(parse(&[]).is_err());
        assert!(parse(&[0x30, 0x80]).is_err());
    }
}
