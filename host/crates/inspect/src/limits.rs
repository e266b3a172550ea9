//! The one place where every bound on untrusted input is set.

/// Bounds applied while inspecting one APK. The defaults admit every real
/// app we know of (the largest store apps are under 2 GiB, dex files under
/// 64 MiB) and stop zip bombs and allocation attacks.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest APK accepted, in bytes.
    pub max_apk_size: u64,
    /// Most central-directory entries accepted.
    pub max_entries: u32,
    /// Largest inflated size of one entry.
    pub max_entry_size: u64,
    /// Largest inflated size of all entries read, together.
    pub max_total_inflated: u64,
    /// Largest compression ratio (inflated / compressed) of one entry.
    pub max_ratio: u64,
    /// Largest `AndroidManifest.xml`, inflated.
    pub max_manifest_size: u64,
    /// Largest `resources.arsc`, inflated.
    pub max_arsc_size: u64,
    /// Largest single dex file, inflated.
    pub max_dex_size: u64,
    /// Most dex files (including hidden payloads) parsed.
    pub max_dex_files: u32,
    /// Most elements in one manifest.
    pub max_xml_elements: u32,
    /// Most API-reference callers kept per API.
    pub max_callers_per_api: u32,
    /// Most file names kept in the container facts.
    pub max_listed_files: u32,
    /// Largest zip central directory read.
    pub max_central_directory: u64,
    /// Most zip anomalies reported; the rest are summarised in one.
    pub max_zip_anomalies: u32,
    /// Most type chunks (type x configuration) in `resources.arsc`; real
    /// tables have a few thousand. Bounds the cost of each lookup.
    pub max_resource_chunks: u32,
    /// Most distinct resource references resolved for one manifest.
    pub max_resource_lookups: u32,
    /// Largest APK Signing Block read (real ones are a few KiB to a few
    /// hundred KiB).
    pub max_signing_block_size: u64,
    /// Largest JAR manifest or `.SF` file read for v1.
    pub max_jar_signature_file: u64,
    /// Largest PKCS#7 signature block (`.RSA`, `.DSA`, `.EC`) read for v1;
    /// real ones hold a few certificates in a few KiB.
    pub max_jar_signature_block: u64,
    /// Most URLs kept from the dex string tables.
    pub max_dex_urls: u32,
    /// Largest total of hidden-payload bytes read (assets, nested archives).
    pub max_payload_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_apk_size: 4 << 30,
            max_entries: 200_000,
            max_entry_size: 512 << 20,
            max_total_inflated: 4 << 30,
            max_ratio: 1_000,
            max_manifest_size: 8 << 20,
            max_arsc_size: 256 << 20,
            max_dex_size: 256 << 20,
            max_dex_files: 256,
            max_xml_elements: 200_000,
            max_callers_per_api: 32,
            max_listed_files: 50_000,
            max_central_directory: 64 << 20,
            max_zip_anomalies: 1_000,
            max_resource_chunks: 16_384,
            max_resource_lookups: 1_024,
            max_signing_block_size: 16 << 20,
            max_jar_signature_file: 64 << 20,
            max_jar_signature_block: 1 << 20,
            max_dex_urls: 2_000,
            max_payload_bytes: 1 << 30,
        }
    }
}
