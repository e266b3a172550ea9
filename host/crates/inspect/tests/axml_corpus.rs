//! The binary-XML cases of ../shared/corpus/axml behave as its README says:
//! crafted manifests and layouts decode to their root element, and the two
//! broken files are refused with the error that names their fault.

use std::path::{Path, PathBuf};

use shelfgate_inspect::axml::{self, AxmlError};
use shelfgate_inspect::Limits;

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../../shared/corpus/axml"
    ));
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("SKIPPED: ../shared not found");
        None
    }
}

fn decode(dir: &Path, name: &str) -> Result<axml::Document, AxmlError> {
    let bytes = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    axml::parse(&bytes, &Limits::default())
}

const MANIFESTS: &[&str] = &[
    "AndroidManifest.xml",
    "AndroidManifestDoubleNamespace.xml",
    "AndroidManifestExtraNamespace.xml",
    "AndroidManifest_InvalidCharsInAttribute.xml",
    "AndroidManifest_NamespaceInAttributeName.xml",
    "AndroidManifestNonZeroStyle.xml",
    "AndroidManifestNullbytes.xml",
    "AndroidManifestTextChunksXML.xml",
    "AndroidManifestUTF8Strings.xml",
    "AndroidManifestWithComment.xml",
    "AndroidManifest_WrongChunkStart.xml",
    "AndroidManifest-xmlns.xml",
];

const LAYOUTS: &[&str] = &["test.xml", "test1.xml", "test2.xml", "test3.xml"];

#[test]
fn manifests_decode_to_a_manifest_root() {
    let Some(dir) = corpus() else { return };
    for name in MANIFESTS {
        let doc = decode(&dir, name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let root = doc.root().unwrap();
        assert_eq!(root.name, "manifest", "{name}");
        assert_eq!(root.depth, 0, "{name}");
        let package = root.plain_attr("package").map(|a| a.value.to_text());
        assert!(package.is_some_and(|p| !p.is_empty()), "{name}: no package");
        assert!(
            doc.children(root).any(|c| c.name == "application"),
            "{name}: no <application> child"
        );
        println!(
            "{name}: {} elements, package {:?}",
            doc.elements().len(),
            root.plain_attr("package")
        );
    }
}

#[test]
fn layouts_decode_to_a_linear_layout_root() {
    let Some(dir) = corpus() else { return };
    for name in LAYOUTS {
        let doc = decode(&dir, name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(doc.root().unwrap().name, "LinearLayout", "{name}");
    }
}

#[test]
fn broken_files_are_refused_with_their_fault() {
    let Some(dir) = corpus() else { return };
    let err = decode(&dir, "AndroidManifest_StringNotTerminated.xml").unwrap_err();
    assert!(
        matches!(err, AxmlError::StringNotTerminated { .. }),
        "{err}"
    );
    let err = decode(&dir, "AndroidManifestWrongFilesize.xml").unwrap_err();
    assert!(matches!(err, AxmlError::WrongFileSize { .. }), "{err}");
}

/// Every prefix of every case, and every case with bytes flipped, ends in a
/// document or an error: the parser never panics on a cut or damaged file.
#[test]
fn damaged_files_end_in_a_document_or_an_error() {
    let Some(dir) = corpus() else { return };
    let limits = Limits::default();
    for name in MANIFESTS.iter().chain(LAYOUTS) {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        for cut in (0..bytes.len()).step_by(7) {
            let _ = axml::parse(&bytes[..cut], &limits);
        }
        let mut damaged = bytes.clone();
        for at in (0..damaged.len()).step_by(13) {
            damaged[at] ^= 0xa5;
            let _ = axml::parse(&damaged, &limits);
        }
    }
}
