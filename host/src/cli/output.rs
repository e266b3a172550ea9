//! Text for people. JSON output is the contract types themselves.

use std::fmt::Write;

use shelfgate_contract::json;
use shelfgate_contract::types::{ApkFacts, Decision, Verdict};
use shelfgate_inspect::manifest::ManifestFacts;

fn word(d: Decision) -> &'static str {
    match d {
        Decision::Pass => "pass",
        Decision::Rectify => "rectify",
        Decision::Reject => "reject",
    }
}

/// The decision first, then the reasons grouped by decision.
pub fn verdict_text(v: &Verdict, facts: &ApkFacts) -> String {
    let mut s = String::new();
    let _ = write!(s, "{}", word(v.decision).to_uppercase());
    if let Some(days) = v.deadline_working_days {
        let _ = write!(s, " (fix within {days} working days)");
    }
    let _ = writeln!(
        s,
        "  {} {} (versionCode {})",
        facts.package,
        facts.version_name.as_deref().unwrap_or("-"),
        facts.version_code
    );
    let _ = writeln!(s, "apk sha256 {}", v.apk_sha256);
    let _ = writeln!(
        s,
        "policy set {} (digest {}), {} policies, evaluated on {}",
        v.policy_set_id,
        &v.policy_set_digest[..v.policy_set_digest.len().min(16)],
        v.policies.len(),
        v.evaluated_on
    );
    for d in [Decision::Reject, Decision::Rectify, Decision::Pass] {
        let group: Vec<_> = v
            .findings
            .iter()
            .filter(|f| f.finding.decision == d)
            .collect();
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n{} ({}):", word(d), group.len());
        for f in group {
            let x = &f.finding;
            let mut tags = Vec::new();
            if !f.counted {
                tags.push("shadow: not counted".to_string());
            }
            if f.original_decision != x.decision {
                tags.push(format!(
                    "lowered from {} by warn mode",
                    word(f.original_decision)
                ));
            }
            if let Some(sdk) = &x.sdk_attribution {
                tags.push(format!("SDK {sdk}"));
            }
            if let Some(days) = x.deadline_working_days {
                tags.push(format!("deadline {days} working days"));
            }
            let tags = if tags.is_empty() {
                String::new()
            } else {
                format!("  [{}]", tags.join("; "))
            };
            let _ = writeln!(s, "  {}{tags}", x.rule_id);
            let _ = writeln!(s, "    {}", x.message_en);
            if !x.message_zh.is_empty() {
                let _ = writeln!(s, "    {}", x.message_zh);
            }
            for e in &x.evidence {
                let source = json::to_value(&e.source);
                let _ = writeln!(
                    s,
                    "    evidence: {} {} = {}",
                    source.as_str().unwrap_or(""),
                    e.path,
                    e.value
                );
            }
            if let Some(exp) = &x.expected {
                let _ = writeln!(s, "    expected: {exp}");
            }
            if !x.remediation.is_empty() {
                let _ = writeln!(s, "    fix: {}", x.remediation);
            }
            if !x.regulation_refs.is_empty() {
                let _ = writeln!(s, "    refs: {}", x.regulation_refs.join("; "));
            }
        }
    }
    if !v.errors.is_empty() {
        let _ = writeln!(s, "\npolicy errors ({}):", v.errors.len());
        for e in &v.errors {
            let _ = writeln!(
                s,
                "  {} -> {}: {}",
                e.policy_id,
                word(e.decision),
                e.message
            );
        }
    }
    if v.findings.is_empty() && v.errors.is_empty() {
        let _ = writeln!(s, "\nno findings");
    }
    s
}

pub fn facts_text(f: &ApkFacts) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "package      {}", f.package);
    let _ = writeln!(
        s,
        "version      {} ({})",
        f.version_name.as_deref().unwrap_or("-"),
        f.version_code
    );
    let _ = writeln!(s, "sdk          min {} target {}", f.min_sdk, f.target_sdk);
    let _ = writeln!(
        s,
        "label        {}",
        f.application.label.as_deref().unwrap_or("-")
    );
    let _ = writeln!(s, "sha256       {}", f.sha256);
    let _ = writeln!(
        s,
        "flags        debuggable={} testOnly={} allowBackup={:?} cleartext={:?}",
        f.application.debuggable,
        f.application.test_only,
        f.application.allow_backup,
        f.application.uses_cleartext_traffic
    );
    let _ = writeln!(s, "permissions  {}", f.permissions.len());
    for p in &f.permissions {
        let _ = writeln!(s, "  {p}");
    }
    let _ = writeln!(s, "components   {}", f.components.len());
    let labels = f.component_labels.as_deref().unwrap_or_default();
    for c in &f.components {
        let kind = json::to_value(&c.kind);
        // Quoted with escapes, so a blank or invisible label shows.
        let label = labels
            .iter()
            .find(|l| l.component == c.name)
            .and_then(|l| l.label.as_deref())
            .map(|l| format!("  label {l:?}"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "  {:<15} {}{}{label}",
            kind.as_str().unwrap_or(""),
            c.name,
            if c.exported { "  (exported)" } else { "" }
        );
    }
    let _ = writeln!(
        s,
        "dex          {} files, {} classes",
        f.dex.files.len(),
        f.dex.class_count
    );
    let _ = writeln!(
        s,
        "sdks         {}",
        f.sdks
            .iter()
            .map(|x| x.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(s, "native abis  {}", f.native_abis.join(", "));
    let _ = writeln!(
        s,
        "signing      verified={} schemes={}",
        f.signing.verified,
        f.signing
            .schemes
            .iter()
            .filter(|x| x.verified)
            .map(|x| x.scheme.as_str())
            .collect::<Vec<_>>()
            .join(",")
    );
    resources_text(f, &mut s);
    if !f.container.anomalies.is_empty() {
        let _ = writeln!(s, "anomalies    {}", f.container.anomalies.len());
        for a in &f.container.anomalies {
            let _ = writeln!(
                s,
                "  {} {}: {}",
                a.kind,
                a.entry.as_deref().unwrap_or(""),
                a.detail
            );
        }
    }
    s
}

/// Foreign component strings listed in text (up to 256 are kept).
const FOREIGN_SHOWN: usize = 8;

/// The contract 0.1.2 facts (resource files, provider access, properties,
/// foreign component strings), one line per item; nothing for facts that
/// predate them.
fn resources_text(f: &ApkFacts, s: &mut String) {
    let opt = |v: &Option<String>| v.as_deref().unwrap_or("-").to_owned();
    for p in f.provider_access.as_deref().unwrap_or_default() {
        let paths = p.path_permissions.len();
        let _ = writeln!(
            s,
            "provider     {} read={} write={} path-permissions={paths}",
            p.provider,
            opt(&p.read_permission),
            opt(&p.write_permission)
        );
    }
    for p in f.properties.as_deref().unwrap_or_default() {
        let owner = if p.owner.is_empty() {
            "application"
        } else {
            &p.owner
        };
        let value = p.value.as_ref().or(p.resource.as_ref());
        let _ = writeln!(
            s,
            "property     {owner} {}={}",
            p.name,
            opt(&value.cloned())
        );
    }
    let Some(res) = &f.resources else {
        return;
    };
    for a in &res.accessibility_configs {
        let _ = writeln!(
            s,
            "a11y config  {} {} tool={} window-content={} gestures={} events={} packages={}",
            a.service,
            a.path,
            a.is_accessibility_tool,
            a.can_retrieve_window_content,
            a.can_perform_gestures,
            a.event_types.join("|"),
            if a.package_names.is_empty() {
                "*".to_owned()
            } else {
                a.package_names.join(",")
            }
        );
    }
    for p in &res.file_provider_paths {
        let entries: Vec<String> = p
            .entries
            .iter()
            .map(|e| format!("{}:{:?}", e.kind, e.path))
            .collect();
        let _ = writeln!(
            s,
            "file paths   {} {} {}",
            p.provider,
            p.path,
            entries.join(" ")
        );
    }
    for b in &res.backup_rules {
        let rules: Vec<String> = b
            .rules
            .iter()
            .map(|r| {
                let verb = if r.include { "include" } else { "exclude" };
                format!("{}:{verb} {} {:?}", r.section, r.domain, r.path)
            })
            .collect();
        let _ = writeln!(s, "backup rules {} {} {}", b.kind, b.path, rules.join("; "));
    }
    for i in &res.launcher_icons {
        let owner = if i.owner.is_empty() {
            "application"
        } else {
            &i.owner
        };
        let images: Vec<String> = i
            .images
            .iter()
            .map(|m| {
                let clear = m
                    .transparent_permille
                    .map_or("-".to_owned(), |p| format!("{p}‰ clear"));
                format!("{} {} {}x{} {clear}", m.role, m.format, m.width, m.height)
            })
            .chain(i.problems.iter().map(|p| format!("problem: {p}")))
            .collect();
        let adaptive = if i.adaptive { " adaptive" } else { "" };
        let _ = writeln!(
            s,
            "icon         {owner} {}{adaptive}: {}",
            i.resource,
            images.join("; ")
        );
    }
    let foreign = f.dex.foreign_components.as_deref().unwrap_or_default();
    if !foreign.is_empty() {
        let more = foreign.len().saturating_sub(FOREIGN_SHOWN);
        let more = if more > 0 {
            format!(" (+{more})")
        } else {
            String::new()
        };
        let shown = &foreign[..foreign.len().min(FOREIGN_SHOWN)];
        let _ = writeln!(s, "foreign      {}{more}", shown.join(", "));
    }
}

pub fn manifest_json(m: &ManifestFacts) -> String {
    let perms: Vec<&str> = m.permissions.iter().map(String::as_str).collect();
    serde_json::to_string_pretty(&serde_json::json!({
        "package": m.package,
        "version_code": m.version_code,
        "version_name": m.version_name,
        "min_sdk": m.min_sdk,
        "target_sdk": m.target_sdk,
        "max_sdk": m.max_sdk,
        "permissions": perms,
        "label": m.application.label,
        "components": m.components.iter().map(|c| serde_json::json!({
            "kind": enum_case(&c.kind), "name": c.name, "exported": c.exported,
            "permission": c.permission, "intent_actions": c.intent_actions,
        })).collect::<Vec<_>>(),
    }))
    .unwrap_or_default()
}

/// A WIT enum case as the contract's JSON spells it (snake_case), from
/// serde's Rust spelling. `json::to_value` would parse the whole WIT first,
/// which is most of `inspect --manifest-only`'s own work.
fn enum_case<T: serde::Serialize>(value: &T) -> String {
    let rust = serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let mut out = String::with_capacity(rust.len() + 4);
    for (i, c) in rust.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

pub fn manifest_text(m: &ManifestFacts) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "package: name='{}' versionCode='{}' versionName='{}'",
        m.package,
        m.version_code,
        m.version_name.as_deref().unwrap_or("")
    );
    let _ = writeln!(s, "sdkVersion:'{}'", m.min_sdk);
    let _ = writeln!(s, "targetSdkVersion:'{}'", m.target_sdk);
    for p in &m.permissions {
        let _ = writeln!(s, "uses-permission: name='{p}'");
    }
    if let Some(label) = &m.application.label {
        let _ = writeln!(s, "application-label:'{label}'");
    }
    s
}

#[cfg(test)]
mod tests {
    use shelfgate_contract::json;
    use shelfgate_contract::types::ComponentKind;

    /// The 0.1.2 facts appear in text, a blank label escaped so it shows.
    #[test]
    fn facts_text_shows_the_resource_facts() {
        let base = include_str!("../../../policies/pack/_base.json");
        let mut value: serde_json::Value = serde_json::from_str(base).unwrap();
        let facts = &mut value["facts"];
        facts["component_labels"] = serde_json::json!([{
            "component": "com.example.haowei.MainActivity",
            "label": "\u{200B}", "labels": {"": "\u{200B}"}
        }]);
        facts["resources"] = serde_json::json!({
            "accessibility_configs": [], "backup_rules": [],
            "file_provider_paths": [{"provider": "P", "path": "res/xml/p.xml",
                "entries": [{"kind": "root-path", "name": "r", "path": ""}]}],
            "launcher_icons": [{"owner": "", "resource": "@mipmap/ic_launcher",
                "adaptive": false, "problems": [], "images": [{"role": "bitmap",
                "source": "res/a.png", "format": "png", "width": 192, "height": 192,
                "transparent_permille": 998}]}]
        });
        let facts = json::from_value(facts).unwrap();
        let text = super::facts_text(&facts);
        assert!(
            text.contains("com.example.haowei.MainActivity  (exported)  label \"\\u{200b}\""),
            "{text}"
        );
        assert!(
            text.contains("file paths   P res/xml/p.xml root-path:\"\""),
            "{text}"
        );
        assert!(
            text.contains(
                "icon         application @mipmap/ic_launcher: bitmap png 192x192 998‰ clear"
            ),
            "{text}"
        );
    }

    #[test]
    fn enum_case_spells_component_kinds_as_the_contract_does() {
        for kind in [
            ComponentKind::Activity,
            ComponentKind::ActivityAlias,
            ComponentKind::Service,
            ComponentKind::Receiver,
            ComponentKind::Provider,
        ] {
            assert_eq!(
                serde_json::Value::String(super::enum_case(&kind)),
                json::to_value(&kind)
            );
        }
    }
}
