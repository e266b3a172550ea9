//! Manifest facts: what `AndroidManifest.xml` declares, read as the platform's
//! package parser reads it.
//!
//! Three platform rules shape everything here:
//! - `android:` attributes are matched by resource id (see [`axml`]), with
//!   the name only as a fallback for attributes that carry no id;
//! - an element counts only where the parser looks for it: a
//!   `<uses-permission>` is a permission only as a direct child of
//!   `<manifest>`, a component only as a direct child of the first
//!   `<application>`;
//! - defaults are the platform's: `minSdkVersion` 1, `targetSdkVersion` the
//!   minimum, `enabled` true, and `exported` true iff the component has an
//!   intent filter (providers: iff the target SDK is below 17).
//!
//! References (`@string/app_name`, `@bool/debug`) are resolved through
//! `resources.arsc` when it is given.

use shelfgate_contract::types::{
    Application, Component, ComponentKind, ComponentLabel, DeclaredPermission, IntentFilter,
    Localized, ManifestProperty, MetaData, NetworkSecurity, PathPermission, ProviderAccess,
    Queries, UsesFeature, UsesPermission,
};

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use crate::arsc::ResourceTable;
use crate::axml::{self, Attribute, Document, Element, Value};
use crate::{InspectError, Limits};

/// Resource ids of the `android:` attributes read here (`android.R.attr`).
mod attr {
    pub const LABEL: u32 = 0x0101_0001;
    pub const ICON: u32 = 0x0101_0002;
    pub const NAME: u32 = 0x0101_0003;
    pub const PERMISSION: u32 = 0x0101_0006;
    pub const READ_PERMISSION: u32 = 0x0101_0007;
    pub const WRITE_PERMISSION: u32 = 0x0101_0008;
    pub const PROTECTION_LEVEL: u32 = 0x0101_0009;
    pub const PERMISSION_GROUP: u32 = 0x0101_000a;
    pub const ENABLED: u32 = 0x0101_000e;
    pub const DEBUGGABLE: u32 = 0x0101_000f;
    pub const EXPORTED: u32 = 0x0101_0010;
    pub const PROCESS: u32 = 0x0101_0011;
    pub const AUTHORITIES: u32 = 0x0101_0018;
    pub const GRANT_URI_PERMISSIONS: u32 = 0x0101_001b;
    pub const VALUE: u32 = 0x0101_0024;
    pub const RESOURCE: u32 = 0x0101_0025;
    pub const MIME_TYPE: u32 = 0x0101_0026;
    pub const SCHEME: u32 = 0x0101_0027;
    pub const HOST: u32 = 0x0101_0028;
    pub const PATH: u32 = 0x0101_002a;
    pub const PATH_PREFIX: u32 = 0x0101_002b;
    pub const PATH_PATTERN: u32 = 0x0101_002c;
    pub const TARGET_ACTIVITY: u32 = 0x0101_0202;
    pub const MIN_SDK_VERSION: u32 = 0x0101_020c;
    pub const VERSION_CODE: u32 = 0x0101_021b;
    pub const VERSION_NAME: u32 = 0x0101_021c;
    pub const TARGET_SDK_VERSION: u32 = 0x0101_0270;
    pub const MAX_SDK_VERSION: u32 = 0x0101_0271;
    pub const TEST_ONLY: u32 = 0x0101_0272;
    pub const ALLOW_BACKUP: u32 = 0x0101_0280;
    pub const REQUIRED: u32 = 0x0101_028e;
    pub const EXTRACT_NATIVE_LIBS: u32 = 0x0101_04ea;
    pub const FULL_BACKUP_CONTENT: u32 = 0x0101_04eb;
    pub const USES_CLEARTEXT_TRAFFIC: u32 = 0x0101_04ec;
    pub const NETWORK_SECURITY_CONFIG: u32 = 0x0101_0527;
    pub const VERSION_CODE_MAJOR: u32 = 0x0101_0576;
    pub const FOREGROUND_SERVICE_TYPE: u32 = 0x0101_0599;
    pub const REQUEST_LEGACY_EXTERNAL_STORAGE: u32 = 0x0101_0603;
    pub const DATA_EXTRACTION_RULES: u32 = 0x0101_063e;
    pub const PATH_SUFFIX: u32 = 0x0101_061e;
    pub const PATH_ADVANCED_PATTERN: u32 = 0x0101_0620;
}

/// `Build.VERSION_CODES.CUR_DEVELOPMENT`: the level of a pre-release
/// codename (`targetSdkVersion="VanillaIceCream"`).
const CUR_DEVELOPMENT: u32 = 10_000;
/// Below this target SDK a provider without `android:exported` is exported.
const PROVIDER_EXPORT_DEFAULT_BELOW: u32 = 17;

/// The manifest-derived part of `ApkFacts`.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestFacts {
    pub package: String,
    /// `versionCodeMajor << 32 | versionCode`.
    pub version_code: u64,
    pub version_name: Option<String>,
    pub min_sdk: u32,
    /// Effective target SDK: the minimum when none is declared.
    pub target_sdk: u32,
    pub target_sdk_declared: Option<u32>,
    pub max_sdk: Option<u32>,
    /// Requested permission names, sorted and deduplicated.
    pub permissions: Vec<String>,
    pub uses_permissions: Vec<UsesPermission>,
    pub declared_permissions: Vec<DeclaredPermission>,
    pub features: Vec<UsesFeature>,
    /// `network_security` is left empty: the config is another file, read
    /// with [`parse_network_security`].
    pub application: Application,
    pub components: Vec<Component>,
    pub queries: Queries,
    /// Providers' read, write and path permissions.
    pub provider_access: Vec<ProviderAccess>,
    /// `<property>` elements of the application and its components.
    pub properties: Vec<ManifestProperty>,
    /// Activities' and aliases' own `android:label`.
    pub component_labels: Vec<ComponentLabel>,
    /// Resource ids of the files the manifest names, for [`crate::resxml`].
    pub refs: ResourceRefs,
}

/// Resource ids the manifest names and later steps read as files. The
/// facts keep only their `@type/name`; the files need the ids.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourceRefs {
    pub full_backup_content: Option<u32>,
    pub data_extraction_rules: Option<u32>,
    /// `(component class, meta-data name, id)` of `android:resource`
    /// meta-data that [`crate::resxml`] reads.
    pub meta_data: Vec<(String, String, u32)>,
    /// `(owner, id)`: the application's icon (owner "") and each launcher
    /// activity's own.
    pub icons: Vec<(String, u32)>,
}

/// Read the manifest facts from a binary `AndroidManifest.xml`.
pub fn parse(
    manifest: &[u8],
    resources: Option<&ResourceTable>,
    limits: &Limits,
) -> Result<ManifestFacts, InspectError> {
    let doc = axml::parse(manifest, limits).map_err(|e| InspectError::Manifest(e.to_string()))?;
    let root = doc
        .root()
        .filter(|r| r.name == "manifest")
        .ok_or_else(|| InspectError::Manifest("root element is not <manifest>".to_owned()))?;
    let reader = Reader::new(&doc, resources, limits);

    let package = root
        .plain_attr("package")
        .map(|a| reader.text(a))
        .filter(|p| !p.is_empty())
        .ok_or_else(|| InspectError::Manifest("<manifest> has no package".to_owned()))?;
    let version_code = reader
        .int(root, attr::VERSION_CODE, "versionCode")
        .unwrap_or(0) as u32;
    let version_major = reader
        .int(root, attr::VERSION_CODE_MAJOR, "versionCodeMajor")
        .unwrap_or(0) as u32;

    let mut facts = ManifestFacts {
        version_code: u64::from(version_major) << 32 | u64::from(version_code),
        version_name: reader.attr_text(root, attr::VERSION_NAME, "versionName"),
        min_sdk: 1,
        target_sdk: 1,
        target_sdk_declared: None,
        max_sdk: None,
        permissions: Vec::new(),
        uses_permissions: Vec::new(),
        declared_permissions: Vec::new(),
        features: Vec::new(),
        application: empty_application(),
        components: Vec::new(),
        queries: Queries {
            packages: Vec::new(),
            intents: Vec::new(),
            providers: Vec::new(),
        },
        provider_access: Vec::new(),
        properties: Vec::new(),
        component_labels: Vec::new(),
        refs: ResourceRefs::default(),
        package,
    };

    let mut application = None;
    for child in doc.children(root) {
        match child.name.as_str() {
            "uses-sdk" => reader.uses_sdk(child, &mut facts),
            "uses-permission" => reader.uses_permission(child, false, &mut facts),
            "uses-permission-sdk-23" | "uses-permission-sdk-m" => {
                reader.uses_permission(child, true, &mut facts)
            }
            "permission" => {
                if let Some(name) = reader.attr_text(child, attr::NAME, "name") {
                    facts.declared_permissions.push(DeclaredPermission {
                        name,
                        protection_level: Some(protection_level(
                            reader
                                .int(child, attr::PROTECTION_LEVEL, "protectionLevel")
                                .unwrap_or(0) as u32,
                        )),
                        group: reader.attr_text(child, attr::PERMISSION_GROUP, "permissionGroup"),
                    });
                }
            }
            "uses-feature" => {
                if let Some(name) = reader.attr_text(child, attr::NAME, "name") {
                    let required = reader
                        .bool(child, attr::REQUIRED, "required")
                        .unwrap_or(true);
                    facts.features.push(UsesFeature { name, required });
                }
            }
            "queries" => reader.queries(child, &mut facts.queries),
            // The parser reads the first <application> only.
            "application" if application.is_none() => application = Some(child),
            _ => {}
        }
    }
    facts.target_sdk = facts.target_sdk_declared.unwrap_or(facts.min_sdk);
    // The parser ignores exact repeats of a permission request.
    let mut seen = HashSet::new();
    facts
        .uses_permissions
        .retain(|p| seen.insert((p.name.clone(), p.max_sdk, p.sdk23)));
    facts.permissions = facts
        .uses_permissions
        .iter()
        .map(|p| p.name.clone())
        .collect();
    facts.permissions.sort();
    facts.permissions.dedup();

    if let Some(app) = application {
        facts.application = reader.application(app, &facts.package);
        reader.application_refs(app, &mut facts);
        for child in doc.children(app) {
            let kind = match child.name.as_str() {
                "activity" => ComponentKind::Activity,
                "activity-alias" => ComponentKind::ActivityAlias,
                "service" => ComponentKind::Service,
                "receiver" => ComponentKind::Receiver,
                "provider" => ComponentKind::Provider,
                _ => continue,
            };
            if let Some(component) = reader.component(child, kind, &facts.package, facts.target_sdk)
            {
                reader.component_extras(child, &component, &mut facts);
                facts.components.push(component);
            }
        }
    }
    Ok(facts)
}

/// Read a binary `res/xml` network security config.
pub fn parse_network_security(
    xml: &[u8],
    limits: &Limits,
) -> Result<NetworkSecurity, InspectError> {
    let doc = axml::parse(xml, limits)
        .map_err(|e| InspectError::Manifest(format!("network security config: {e}")))?;
    let root = doc
        .root()
        .filter(|r| r.name == "network-security-config")
        .ok_or_else(|| {
            InspectError::Manifest(
                "network security config has no <network-security-config> root".to_owned(),
            )
        })?;
    let reader = Reader::new(&doc, None, limits);
    let mut config = NetworkSecurity {
        cleartext_permitted: None,
        cleartext_domains: Vec::new(),
        trusts_user_certs: false,
        has_debug_overrides: false,
    };
    // Domain configs nest and inherit `cleartextTrafficPermitted`; walk
    // them with an explicit stack of (element, inherited value).
    let mut stack: Vec<(&Element, Option<bool>)> = Vec::new();
    for child in doc.children(root) {
        match child.name.as_str() {
            "base-config" => {
                config.cleartext_permitted = reader.plain_bool(child, "cleartextTrafficPermitted");
                config.trusts_user_certs |= reader.trusts_user_certs(child);
            }
            "domain-config" => stack.push((child, None)),
            "debug-overrides" => config.has_debug_overrides = true,
            _ => {}
        }
    }
    while let Some((element, inherited)) = stack.pop() {
        let permitted = reader
            .plain_bool(element, "cleartextTrafficPermitted")
            .or(inherited);
        config.trusts_user_certs |= reader.trusts_user_certs(element);
        for child in doc.children(element) {
            match child.name.as_str() {
                "domain" if permitted == Some(true) => {
                    config.cleartext_domains.push(child.text.trim().to_owned());
                }
                "domain-config" => stack.push((child, permitted)),
                _ => {}
            }
        }
    }
    config.cleartext_domains.sort();
    config.cleartext_domains.dedup();
    Ok(config)
}

/// Attribute access with references resolved through the resource table.
struct Reader<'a> {
    doc: &'a Document,
    resources: Option<&'a ResourceTable>,
    /// Resolved references, at most `max_lookups` of them: each lookup
    /// walks the table, so a manifest of many references is bounded.
    resolved: RefCell<HashMap<u32, Option<Value>>>,
    max_lookups: usize,
}

impl<'a> Reader<'a> {
    fn new(doc: &'a Document, resources: Option<&'a ResourceTable>, limits: &Limits) -> Self {
        Reader {
            doc,
            resources,
            resolved: RefCell::new(HashMap::new()),
            max_lookups: limits.max_resource_lookups as usize,
        }
    }

    /// The attribute's value with references followed to the default
    /// configuration's value; unresolved references stay references.
    fn value(&self, attribute: &Attribute) -> Value {
        let (Some(id), Some(table)) = (attribute.value.reference(), self.resources) else {
            return attribute.value.clone();
        };
        let mut resolved = self.resolved.borrow_mut();
        if !resolved.contains_key(&id) && resolved.len() < self.max_lookups {
            resolved.insert(id, table.resolve(id, ""));
        }
        resolved
            .get(&id)
            .cloned()
            .flatten()
            .unwrap_or_else(|| attribute.value.clone())
    }

    fn text(&self, attribute: &Attribute) -> String {
        match self.value(attribute) {
            Value::String(s) => s,
            Value::Null | Value::Empty => attribute.raw.clone().unwrap_or_default(),
            other => other.to_text(),
        }
    }

    fn attr_text(&self, element: &Element, id: u32, name: &str) -> Option<String> {
        element.attr(id, name).map(|a| self.text(a))
    }

    fn bool(&self, element: &Element, id: u32, name: &str) -> Option<bool> {
        element.attr(id, name).and_then(|a| self.value(a).as_bool())
    }

    fn int(&self, element: &Element, id: u32, name: &str) -> Option<i64> {
        element.attr(id, name).and_then(|a| self.value(a).as_int())
    }

    fn plain_bool(&self, element: &Element, name: &str) -> Option<bool> {
        element
            .plain_attr(name)
            .and_then(|a| self.value(a).as_bool())
    }

    /// `@type/name` for a resource-valued attribute, else its text.
    fn resource_name(&self, element: &Element, id: u32, name: &str) -> Option<String> {
        let attribute = element.attr(id, name)?;
        Some(match attribute.value.reference() {
            Some(res) => self.reference_name(res),
            None => self.text(attribute),
        })
    }

    fn reference_name(&self, id: u32) -> String {
        self.resources
            .and_then(|t| t.name(id))
            .map_or_else(|| format!("@0x{id:08x}"), |n| format!("@{n}"))
    }

    /// An SDK level: a number, or a pre-release codename.
    fn sdk_level(&self, element: &Element, id: u32, name: &str) -> Option<u32> {
        let value = self.value(element.attr(id, name)?);
        match value {
            Value::String(ref s) if s.trim().parse::<u32>().is_err() => Some(CUR_DEVELOPMENT),
            _ => value.as_int().and_then(|v| u32::try_from(v).ok()),
        }
    }

    fn uses_sdk(&self, element: &Element, facts: &mut ManifestFacts) {
        if let Some(min) = self.sdk_level(element, attr::MIN_SDK_VERSION, "minSdkVersion") {
            facts.min_sdk = min;
        }
        if let Some(target) = self.sdk_level(element, attr::TARGET_SDK_VERSION, "targetSdkVersion")
        {
            facts.target_sdk_declared = Some(target);
        }
        if let Some(max) = self.sdk_level(element, attr::MAX_SDK_VERSION, "maxSdkVersion") {
            facts.max_sdk = Some(max);
        }
    }

    fn uses_permission(&self, element: &Element, sdk23: bool, facts: &mut ManifestFacts) {
        let Some(name) = self
            .attr_text(element, attr::NAME, "name")
            .filter(|n| !n.is_empty())
        else {
            return;
        };
        let max_sdk = self
            .int(element, attr::MAX_SDK_VERSION, "maxSdkVersion")
            .and_then(|v| u32::try_from(v).ok());
        let permission = UsesPermission {
            name,
            max_sdk,
            sdk23,
        };
        facts.uses_permissions.push(permission);
    }

    fn application(&self, app: &Element, package: &str) -> Application {
        let (label, labels) = self.label(app);
        Application {
            name: self
                .attr_text(app, attr::NAME, "name")
                .map(|n| class_name(package, &n)),
            label,
            labels,
            icon: self.resource_name(app, attr::ICON, "icon"),
            debuggable: self
                .bool(app, attr::DEBUGGABLE, "debuggable")
                .unwrap_or(false),
            test_only: self.bool(app, attr::TEST_ONLY, "testOnly").unwrap_or(false),
            allow_backup: self.bool(app, attr::ALLOW_BACKUP, "allowBackup"),
            uses_cleartext_traffic: self.bool(
                app,
                attr::USES_CLEARTEXT_TRAFFIC,
                "usesCleartextTraffic",
            ),
            request_legacy_external_storage: self
                .bool(
                    app,
                    attr::REQUEST_LEGACY_EXTERNAL_STORAGE,
                    "requestLegacyExternalStorage",
                )
                .unwrap_or(false),
            extract_native_libs: self.bool(app, attr::EXTRACT_NATIVE_LIBS, "extractNativeLibs"),
            full_backup_content: self.resource_name(
                app,
                attr::FULL_BACKUP_CONTENT,
                "fullBackupContent",
            ),
            data_extraction_rules: self.resource_name(
                app,
                attr::DATA_EXTRACTION_RULES,
                "dataExtractionRules",
            ),
            network_security_config: self.attr_text(
                app,
                attr::NETWORK_SECURITY_CONFIG,
                "networkSecurityConfig",
            ),
            network_security: None,
            meta_data: self.meta_data(app),
        }
    }

    /// The default label and the label in every locale, of the application
    /// or an activity.
    fn label(&self, app: &Element) -> (Option<String>, Vec<Localized>) {
        let Some(attribute) = app.attr(attr::LABEL, "label") else {
            return (None, Vec::new());
        };
        let labels = match (attribute.value.reference(), self.resources) {
            (Some(id), Some(table)) => table.localized(id),
            _ => vec![Localized {
                locale: String::new(),
                value: self.text(attribute),
            }],
        };
        let default = labels
            .iter()
            .find(|l| l.locale.is_empty())
            .map(|l| l.value.clone())
            .or_else(|| Some(self.text(attribute)));
        (default, labels)
    }

    fn component(
        &self,
        element: &Element,
        kind: ComponentKind,
        package: &str,
        target_sdk: u32,
    ) -> Option<Component> {
        let name = class_name(package, &self.attr_text(element, attr::NAME, "name")?);
        let intent_filters: Vec<IntentFilter> = self
            .doc
            .children(element)
            .filter(|c| c.name == "intent-filter")
            .map(|f| self.intent_filter(f))
            .collect();
        let mut seen = HashSet::new();
        let intent_actions: Vec<String> = intent_filters
            .iter()
            .flat_map(|f| &f.actions)
            .filter(|a| seen.insert(a.as_str()))
            .cloned()
            .collect();
        let exported_attr = self.bool(element, attr::EXPORTED, "exported");
        let exported = exported_attr.unwrap_or(match kind {
            ComponentKind::Provider => target_sdk < PROVIDER_EXPORT_DEFAULT_BELOW,
            _ => !intent_filters.is_empty(),
        });
        let is_provider = matches!(kind, ComponentKind::Provider);
        Some(Component {
            name,
            exported,
            exported_attr,
            permission: self.attr_text(element, attr::PERMISSION, "permission"),
            enabled: self.bool(element, attr::ENABLED, "enabled").unwrap_or(true),
            process: self.attr_text(element, attr::PROCESS, "process"),
            foreground_service_type: self
                .int(
                    element,
                    attr::FOREGROUND_SERVICE_TYPE,
                    "foregroundServiceType",
                )
                .map(|v| foreground_service_types(v as u32)),
            intent_actions,
            intent_filters,
            authorities: if is_provider {
                self.attr_text(element, attr::AUTHORITIES, "authorities")
                    .map(|a| {
                        a.split(';')
                            .map(str::trim)
                            .filter(|a| !a.is_empty())
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default()
            } else {
                Vec::new()
            },
            grant_uri_permissions: is_provider
                && self
                    .bool(element, attr::GRANT_URI_PERMISSIONS, "grantUriPermissions")
                    .unwrap_or(false),
            target_activity: match kind {
                ComponentKind::ActivityAlias => self
                    .attr_text(element, attr::TARGET_ACTIVITY, "targetActivity")
                    .map(|t| class_name(package, &t)),
                _ => None,
            },
            meta_data: self.meta_data(element),
            kind,
        })
    }

    fn intent_filter(&self, filter: &Element) -> IntentFilter {
        let mut out = IntentFilter {
            actions: Vec::new(),
            categories: Vec::new(),
            schemes: Vec::new(),
            hosts: Vec::new(),
            mime_types: Vec::new(),
            paths: Vec::new(),
        };
        for child in self.doc.children(filter) {
            match child.name.as_str() {
                "action" => out
                    .actions
                    .extend(self.attr_text(child, attr::NAME, "name")),
                "category" => out
                    .categories
                    .extend(self.attr_text(child, attr::NAME, "name")),
                "data" => {
                    out.schemes
                        .extend(self.attr_text(child, attr::SCHEME, "scheme"));
                    out.hosts.extend(self.attr_text(child, attr::HOST, "host"));
                    out.mime_types
                        .extend(self.attr_text(child, attr::MIME_TYPE, "mimeType"));
                    for (id, name) in [
                        (attr::PATH, "path"),
                        (attr::PATH_PREFIX, "pathPrefix"),
                        (attr::PATH_PATTERN, "pathPattern"),
                    ] {
                        out.paths.extend(self.attr_text(child, id, name));
                    }
                }
                _ => {}
            }
        }
        out
    }

    fn meta_data(&self, parent: &Element) -> Vec<MetaData> {
        self.doc
            .children(parent)
            .filter(|c| c.name == "meta-data")
            .filter_map(|m| {
                let name = self.attr_text(m, attr::NAME, "name")?;
                let value_attr = m.attr(attr::VALUE, "value");
                let resource = m
                    .attr(attr::RESOURCE, "resource")
                    .or(value_attr)
                    .and_then(|a| a.value.reference())
                    .map(|id| self.reference_name(id));
                Some(MetaData {
                    name,
                    value: value_attr.map(|a| self.text(a)),
                    resource,
                })
            })
            .collect()
    }

    fn queries(&self, queries: &Element, out: &mut Queries) {
        for child in self.doc.children(queries) {
            match child.name.as_str() {
                "package" => out
                    .packages
                    .extend(self.attr_text(child, attr::NAME, "name")),
                "intent" => out.intents.push(self.intent_filter(child)),
                "provider" => {
                    if let Some(authorities) =
                        self.attr_text(child, attr::AUTHORITIES, "authorities")
                    {
                        out.providers
                            .extend(authorities.split(';').map(|a| a.trim().to_owned()));
                    }
                }
                _ => {}
            }
        }
    }

    /// The icon and backup-rules ids of `<application>`, and its properties.
    fn application_refs(&self, app: &Element, facts: &mut ManifestFacts) {
        let id = |a: u32, name: &str| app.attr(a, name).and_then(|a| a.value.reference());
        facts.refs.full_backup_content = id(attr::FULL_BACKUP_CONTENT, "fullBackupContent");
        facts.refs.data_extraction_rules = id(attr::DATA_EXTRACTION_RULES, "dataExtractionRules");
        if let Some(icon) = id(attr::ICON, "icon") {
            facts.refs.icons.push((String::new(), icon));
        }
        self.properties(app, "", &mut facts.properties);
    }

    /// What a component declares beyond the `component` record: provider
    /// permissions, properties, meta-data files, an activity's label and a
    /// launcher activity's icon.
    fn component_extras(
        &self,
        element: &Element,
        component: &Component,
        facts: &mut ManifestFacts,
    ) {
        let owner = component.name.as_str();
        self.properties(element, owner, &mut facts.properties);
        for m in self.doc.children(element).filter(|c| c.name == "meta-data") {
            let Some(name) = self.attr_text(m, attr::NAME, "name") else {
                continue;
            };
            if !crate::resxml::META_DATA_FILES.contains(&name.as_str()) {
                continue;
            }
            let id = m
                .attr(attr::RESOURCE, "resource")
                .and_then(|a| a.value.reference());
            // Each is a resource lookup later: no more than can be read.
            if let (Some(id), true) = (id, facts.refs.meta_data.len() < crate::resxml::MAX_FILES) {
                facts.refs.meta_data.push((owner.to_owned(), name, id));
            }
        }
        match component.kind {
            ComponentKind::Provider => {
                let perm = |e: &Element, id: u32, name: &str| self.attr_text(e, id, name);
                let path_permissions = self
                    .doc
                    .children(element)
                    .filter(|c| c.name == "path-permission")
                    .filter_map(|p| {
                        let (kind, path) = [
                            (attr::PATH, "path"),
                            (attr::PATH_PREFIX, "pathPrefix"),
                            (attr::PATH_PATTERN, "pathPattern"),
                            (attr::PATH_ADVANCED_PATTERN, "pathAdvancedPattern"),
                            (attr::PATH_SUFFIX, "pathSuffix"),
                        ]
                        .into_iter()
                        .find_map(|(id, name)| Some((name, perm(p, id, name)?)))?;
                        let both = perm(p, attr::PERMISSION, "permission");
                        Some(PathPermission {
                            kind: kind.to_owned(),
                            path,
                            read_permission: perm(p, attr::READ_PERMISSION, "readPermission")
                                .or_else(|| both.clone()),
                            write_permission: perm(p, attr::WRITE_PERMISSION, "writePermission")
                                .or(both),
                        })
                    })
                    .collect();
                facts.provider_access.push(ProviderAccess {
                    provider: owner.to_owned(),
                    read_permission: perm(element, attr::READ_PERMISSION, "readPermission"),
                    write_permission: perm(element, attr::WRITE_PERMISSION, "writePermission"),
                    path_permissions,
                });
            }
            ComponentKind::Activity | ComponentKind::ActivityAlias => {
                if element.attr(attr::LABEL, "label").is_some() {
                    let (label, labels) = self.label(element);
                    facts.component_labels.push(ComponentLabel {
                        component: owner.to_owned(),
                        label,
                        labels,
                    });
                }
                let launcher = component.intent_filters.iter().any(|f| {
                    f.actions.iter().any(|a| a == "android.intent.action.MAIN")
                        && f.categories
                            .iter()
                            .any(|c| c == "android.intent.category.LAUNCHER")
                });
                let icon = element
                    .attr(attr::ICON, "icon")
                    .and_then(|a| a.value.reference());
                let room = facts.refs.icons.len() < crate::resxml::MAX_FILES;
                if let (true, true, Some(icon)) = (launcher, room, icon) {
                    facts.refs.icons.push((owner.to_owned(), icon));
                }
            }
            _ => {}
        }
    }

    /// `<property>` children of `parent`, named like meta-data.
    fn properties(&self, parent: &Element, owner: &str, out: &mut Vec<ManifestProperty>) {
        for p in self.doc.children(parent).filter(|c| c.name == "property") {
            let Some(name) = self.attr_text(p, attr::NAME, "name") else {
                continue;
            };
            let value_attr = p.attr(attr::VALUE, "value");
            let resource = p
                .attr(attr::RESOURCE, "resource")
                .and_then(|a| a.value.reference())
                .map(|id| self.reference_name(id));
            out.push(ManifestProperty {
                owner: owner.to_owned(),
                name,
                value: value_attr.map(|a| self.text(a)),
                resource,
            });
        }
    }

    /// Whether a config's `<trust-anchors>` include the user's CAs.
    fn trusts_user_certs(&self, config: &Element) -> bool {
        self.doc
            .children(config)
            .filter(|c| c.name == "trust-anchors")
            .flat_map(|t| self.doc.children(t))
            .filter(|c| c.name == "certificates")
            .any(|c| c.plain_attr("src").is_some_and(|s| self.text(s) == "user"))
    }
}

/// A component class name as the platform builds it: `.Foo` and `Foo`
/// are in the package, anything with a dot elsewhere is taken as is.
fn class_name(package: &str, name: &str) -> String {
    if name.starts_with('.') {
        format!("{package}{name}")
    } else if !name.contains('.') {
        format!("{package}.{name}")
    } else {
        name.to_owned()
    }
}

/// `PermissionInfo.protectionToString`: the base level, then each flag.
fn protection_level(level: u32) -> String {
    let base = match level & 0xf {
        0 => "normal",
        1 => "dangerous",
        2 => "signature",
        3 => "signatureOrSystem",
        4 => "internal",
        _ => "unknown",
    };
    const FLAGS: &[(u32, &str)] = &[
        (0x10, "privileged"),
        (0x20, "development"),
        (0x40, "appop"),
        (0x80, "pre23"),
        (0x100, "installer"),
        (0x200, "verifier"),
        (0x400, "preinstalled"),
        (0x800, "setup"),
        (0x1000, "instant"),
        (0x2000, "runtime"),
        (0x4000, "oem"),
        (0x8000, "vendorPrivileged"),
        (0x10000, "textClassifier"),
        (0x20000, "wellbeing"),
        (0x40000, "documenter"),
        (0x80000, "configurator"),
        (0x100000, "incidentReportApprover"),
        (0x200000, "appPredictor"),
        (0x400000, "module"),
        (0x800000, "companion"),
        (0x1000000, "retailDemo"),
        (0x2000000, "recents"),
        (0x4000000, "role"),
        (0x8000000, "knownSigner"),
    ];
    join_flags(base, level & !0xf, FLAGS)
}

/// `ServiceInfo.foregroundServiceTypeToLabel`-style names, `|`-joined.
fn foreground_service_types(types: u32) -> String {
    const TYPES: &[(u32, &str)] = &[
        (0x1, "dataSync"),
        (0x2, "mediaPlayback"),
        (0x4, "phoneCall"),
        (0x8, "location"),
        (0x10, "connectedDevice"),
        (0x20, "mediaProjection"),
        (0x40, "camera"),
        (0x80, "microphone"),
        (0x100, "health"),
        (0x200, "remoteMessaging"),
        (0x400, "systemExempted"),
        (0x800, "shortService"),
        (0x1000, "fileManagement"),
        (0x2000, "mediaProcessing"),
        (0x4000_0000, "specialUse"),
    ];
    if types == 0 {
        return "none".to_owned();
    }
    let mut text = join_flags("", types, TYPES);
    if text.starts_with('|') {
        text.remove(0);
    }
    text
}

/// `base|flag|flag...`, with unknown bits as one hex value.
fn join_flags(base: &str, bits: u32, names: &[(u32, &str)]) -> String {
    let mut out = base.to_owned();
    let mut rest = bits;
    for &(bit, name) in names {
        if bits & bit != 0 {
            out.push('|');
            out.push_str(name);
            rest &= !bit;
        }
    }
    if rest != 0 {
        out.push_str(&format!("|0x{rest:x}"));
    }
    out
}

fn empty_application() -> Application {
    Application {
        name: None,
        label: None,
        labels: Vec::new(),
        icon: None,
        debuggable: false,
        test_only: false,
        allow_backup: None,
        uses_cleartext_traffic: None,
        request_legacy_external_storage: false,
        extract_native_libs: None,
        full_backup_content: None,
        data_extraction_rules: None,
        network_security_config: None,
        network_security: None,
        meta_data: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::axml::writer::{Val, Xml};

    fn manifest(target_sdk: Option<i32>, body: impl FnOnce(Xml) -> Xml) -> ManifestFacts {
        let mut xml = Xml::default().start(
            "manifest",
            &[
                (None, "package", Val::Str("com.example.app")),
                (Some(attr::VERSION_CODE), "versionCode", Val::Int(7)),
                (
                    Some(attr::VERSION_CODE_MAJOR),
                    "versionCodeMajor",
                    Val::Int(2),
                ),
            ],
        );
        if let Some(target) = target_sdk {
            xml = xml
                .start(
                    "uses-sdk",
                    &[
                        (Some(attr::MIN_SDK_VERSION), "minSdkVersion", Val::Int(10)),
                        (
                            Some(attr::TARGET_SDK_VERSION),
                            "targetSdkVersion",
                            Val::Int(target),
                        ),
                    ],
                )
                .end("uses-sdk");
        }
        let bytes = body(xml).end("manifest").finish();
        parse(&bytes, None, &Limits::default()).unwrap()
    }

    fn name(value: &'static str) -> (Option<u32>, &'static str, Val) {
        (Some(attr::NAME), "name", Val::Str(value))
    }

    /// A manifest naming thousands of files yields a bounded list of
    /// references: each becomes a resource lookup and maybe a file read.
    #[test]
    fn file_references_are_bounded() {
        let m = manifest(Some(34), |mut x| {
            x = x.start("application", &[]);
            for _ in 0..500 {
                x = x
                    .start("provider", &[name(".P")])
                    .start(
                        "meta-data",
                        &[
                            name("android.support.FILE_PROVIDER_PATHS"),
                            (Some(attr::RESOURCE), "resource", Val::Ref(0x7f10_0001)),
                        ],
                    )
                    .end("meta-data")
                    .end("provider");
            }
            x.end("application")
        });
        assert_eq!(m.provider_access.len(), 500);
        assert_eq!(m.refs.meta_data.len(), crate::resxml::MAX_FILES);
    }

    /// An activity's or alias's own label is kept (the launcher shows it);
    /// one without a label shows the application's and is not listed.
    #[test]
    fn activity_labels() {
        let label = |v: &'static str| (Some(attr::LABEL), "label", Val::Str(v));
        let m = manifest(Some(34), |x| {
            x.start("application", &[label("App")])
                .start("activity", &[name(".Main"), label("\u{200B}")])
                .end("activity")
                .start("activity", &[name(".Plain")])
                .end("activity")
                .start("activity-alias", &[name(".Alias"), label("Alias")])
                .end("activity-alias")
                .start("service", &[name(".S"), label("Svc")])
                .end("service")
                .end("application")
        });
        let got: Vec<(&str, Option<&str>, usize)> = m
            .component_labels
            .iter()
            .map(|l| (l.component.as_str(), l.label.as_deref(), l.labels.len()))
            .collect();
        assert_eq!(
            got,
            [
                ("com.example.app.Main", Some("\u{200B}"), 1),
                ("com.example.app.Alias", Some("Alias"), 1)
            ]
        );
    }

    #[test]
    fn provider_access_properties_and_file_refs() {
        let m = manifest(Some(34), |x| {
            x.start(
                "application",
                &[(Some(attr::ICON), "icon", Val::Ref(0x7f0d_0000))],
            )
            .start(
                "property",
                &[
                    name("app.prop"),
                    (Some(attr::VALUE), "value", Val::Str("v")),
                ],
            )
            .end("property")
            .start(
                "provider",
                &[
                    name(".Files"),
                    (
                        Some(attr::READ_PERMISSION),
                        "readPermission",
                        Val::Str("p.READ"),
                    ),
                ],
            )
            .start(
                "path-permission",
                &[
                    (Some(attr::PATH_PREFIX), "pathPrefix", Val::Str("/open")),
                    (Some(attr::PERMISSION), "permission", Val::Str("p.BOTH")),
                    (
                        Some(attr::WRITE_PERMISSION),
                        "writePermission",
                        Val::Str("p.W"),
                    ),
                ],
            )
            .end("path-permission")
            .start(
                "meta-data",
                &[
                    name("android.support.FILE_PROVIDER_PATHS"),
                    (Some(attr::RESOURCE), "resource", Val::Ref(0x7f10_0001)),
                ],
            )
            .end("meta-data")
            .start(
                "meta-data",
                &[
                    name("other"),
                    (Some(attr::RESOURCE), "resource", Val::Ref(0x7f10_0002)),
                ],
            )
            .end("meta-data")
            .end("provider")
            .start(
                "service",
                &[
                    name(".Fgs"),
                    (
                        Some(attr::FOREGROUND_SERVICE_TYPE),
                        "foregroundServiceType",
                        Val::Int(0x4000_0000),
                    ),
                ],
            )
            .start(
                "property",
                &[
                    name("android.app.PROPERTY_SPECIAL_USE_FGS_SUBTYPE"),
                    (
                        Some(attr::VALUE),
                        "value",
                        Val::Str("sync of the user's notes"),
                    ),
                ],
            )
            .end("property")
            .end("service")
            .start(
                "activity",
                &[
                    name(".Main"),
                    (Some(attr::ICON), "icon", Val::Ref(0x7f0d_0001)),
                ],
            )
            .start("intent-filter", &[])
            .start("action", &[name("android.intent.action.MAIN")])
            .end("action")
            .start("category", &[name("android.intent.category.LAUNCHER")])
            .end("category")
            .end("intent-filter")
            .end("activity")
            .start(
                "activity",
                &[
                    name(".Other"),
                    (Some(attr::ICON), "icon", Val::Ref(0x7f0d_0002)),
                ],
            )
            .end("activity")
            .end("application")
        });
        assert_eq!(
            m.provider_access,
            [ProviderAccess {
                provider: "com.example.app.Files".into(),
                read_permission: Some("p.READ".into()),
                write_permission: None,
                path_permissions: vec![PathPermission {
                    kind: "pathPrefix".into(),
                    path: "/open".into(),
                    read_permission: Some("p.BOTH".into()),
                    write_permission: Some("p.W".into()),
                }],
            }]
        );
        let props: Vec<(&str, &str, Option<&str>)> = m
            .properties
            .iter()
            .map(|p| (p.owner.as_str(), p.name.as_str(), p.value.as_deref()))
            .collect();
        assert_eq!(
            props,
            [
                ("", "app.prop", Some("v")),
                (
                    "com.example.app.Fgs",
                    "android.app.PROPERTY_SPECIAL_USE_FGS_SUBTYPE",
                    Some("sync of the user's notes")
                ),
            ]
        );
        // Only the meta-data whose files are read, and only launcher icons.
        assert_eq!(
            m.refs.meta_data,
            [(
                "com.example.app.Files".to_owned(),
                "android.support.FILE_PROVIDER_PATHS".to_owned(),
                0x7f10_0001
            )]
        );
        assert_eq!(
            m.refs.icons,
            [
                (String::new(), 0x7f0d_0000),
                ("com.example.app.Main".to_owned(), 0x7f0d_0001)
            ]
        );
    }

    #[test]
    fn only_direct_children_of_manifest_are_permissions() {
        let facts = manifest(Some(30), |x| {
            x.start("uses-permission", &[name("android.permission.INTERNET")])
                .end("uses-permission")
                .start(
                    "uses-permission-sdk-23",
                    &[name("android.permission.CAMERA")],
                )
                .end("uses-permission-sdk-23")
                .start("application", &[])
                .start("uses-permission", &[name("android.permission.READ_SMS")])
                .end("uses-permission")
                .end("application")
                .start("uses-permission", &[name("android.permission.INTERNET")])
                .end("uses-permission")
        });
        assert_eq!(
            facts.permissions,
            ["android.permission.CAMERA", "android.permission.INTERNET"]
        );
        assert_eq!(facts.uses_permissions.len(), 2);
        assert!(facts
            .uses_permissions
            .iter()
            .any(|p| p.sdk23 && p.name.ends_with("CAMERA")));
    }

    #[test]
    fn versions_and_sdk_defaults() {
        let facts = manifest(Some(33), |x| x);
        assert_eq!(facts.version_code, (2 << 32) | 7);
        assert_eq!(
            (facts.min_sdk, facts.target_sdk, facts.target_sdk_declared),
            (10, 33, Some(33))
        );

        let facts = manifest(None, |x| x);
        assert_eq!(
            (facts.min_sdk, facts.target_sdk, facts.target_sdk_declared),
            (1, 1, None)
        );

        let facts = manifest(None, |x| {
            x.start(
                "uses-sdk",
                &[(Some(attr::MIN_SDK_VERSION), "minSdkVersion", Val::Int(21))],
            )
            .end("uses-sdk")
        });
        assert_eq!((facts.min_sdk, facts.target_sdk), (21, 21));
    }

    fn components(target_sdk: i32) -> Vec<Component> {
        manifest(Some(target_sdk), |x| {
            x.start("application", &[name(".App")])
                .start("activity", &[name(".Main")])
                .start("intent-filter", &[])
                .start("action", &[name("android.intent.action.MAIN")])
                .end("action")
                .end("intent-filter")
                .start("intent-filter", &[])
                .start("action", &[name("android.intent.action.MAIN")])
                .end("action")
                .start("action", &[name("android.intent.action.VIEW")])
                .end("action")
                .end("intent-filter")
                .end("activity")
                .start("service", &[name("Sync")])
                .end("service")
                .start(
                    "receiver",
                    &[
                        name("org.other.Boot"),
                        (Some(attr::EXPORTED), "exported", Val::Bool(false)),
                    ],
                )
                .start("intent-filter", &[])
                .end("intent-filter")
                .end("receiver")
                .start(
                    "provider",
                    &[
                        name(".Files"),
                        (Some(attr::AUTHORITIES), "authorities", Val::Str("a;b")),
                    ],
                )
                .end("provider")
                .end("application")
                .start("activity", &[name(".Outside")])
                .end("activity")
        })
        .components
    }

    #[test]
    fn components_get_the_platform_defaults() {
        let list = components(16);
        let names: Vec<_> = list.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "com.example.app.Main",
                "com.example.app.Sync",
                "org.other.Boot",
                "com.example.app.Files"
            ]
        );
        let main = &list[0];
        assert!(main.exported && main.exported_attr.is_none() && main.enabled);
        assert_eq!(
            main.intent_actions,
            ["android.intent.action.MAIN", "android.intent.action.VIEW"]
        );
        assert!(!list[1].exported, "no filter, no attribute");
        assert!(
            !list[2].exported,
            "the explicit attribute wins over the filter"
        );
        assert!(list[3].exported, "providers are exported below target 17");
        assert_eq!(list[3].authorities, ["a", "b"]);
        assert!(!components(17)[3].exported);
    }

    #[test]
    fn network_security_config() {
        let xml = Xml::default()
            .start("network-security-config", &[])
            .start(
                "base-config",
                &[(None, "cleartextTrafficPermitted", Val::Str("false"))],
            )
            .start("trust-anchors", &[])
            .start("certificates", &[(None, "src", Val::Str("system"))])
            .end("certificates")
            .end("trust-anchors")
            .end("base-config")
            .start(
                "domain-config",
                &[(None, "cleartextTrafficPermitted", Val::Str("true"))],
            )
            .start("domain", &[(None, "includeSubdomains", Val::Str("true"))])
            .text("example.com")
            .end("domain")
            .start("domain-config", &[])
            .start("domain", &[])
            .text("inner.example.org")
            .end("domain")
            .start("trust-anchors", &[])
            .start("certificates", &[(None, "src", Val::Str("user"))])
            .end("certificates")
            .end("trust-anchors")
            .end("domain-config")
            .end("domain-config")
            .start("debug-overrides", &[])
            .end("debug-overrides")
            .end("network-security-config")
            .finish();
        let config = parse_network_security(&xml, &Limits::default()).unwrap();
        assert_eq!(config.cleartext_permitted, Some(false));
        assert_eq!(
            config.cleartext_domains,
            ["example.com", "inner.example.org"]
        );
        assert!(config.trusts_user_certs);
        assert!(config.has_debug_overrides);
    }

    #[test]
    fn flags_read_as_the_platform_prints_them() {
        assert_eq!(protection_level(1), "dangerous");
        assert_eq!(protection_level(0x12), "signature|privileged");
        assert_eq!(foreground_service_types(0x48), "location|camera");
        assert_eq!(class_name("p.q", ".A"), "p.q.A");
        assert_eq!(class_name("p.q", "A"), "p.q.A");
        assert_eq!(class_name("p.q", "x.A"), "x.A");
    }
}
