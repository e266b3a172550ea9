//! HARASS-START-018, in code: starting or binding another app's component.
//!
//! Mutual wake-up between apps is done with an explicit `ComponentName`
//! naming a service or receiver of another package. The dex facts (contract
//! 0.1.2) list string constants shaped like such a class that the APK does
//! not define (`foreign_components`), and the `component.explicit`
//! reference says the code builds explicit components at all; both
//! together are the capability. It needs
//! `behaviour_declarations.auto_start.associated_start_targets`, as the
//! manifest's wake-up entries do (see [`crate::autostart`]). Targets in the
//! platform's and Google Play's packages (billing, Play services) are not
//! other apps woken for keep-alive and are left out. Each owner (the app,
//! or the SDK whose package the target class lies under: push SDKs wake
//! their own service in other apps) gets one finding.

use shelfgate_policy_sdk::attribution::sdk_of_class;
use shelfgate_policy_sdk::prelude::*;

use crate::autostart::RULE;

/// Packages of the platform and of Google Play: binding them is using the
/// system, not waking another app.
const SYSTEM_PACKAGES: &[&str] = &["com.android.", "com.google.android."];
/// Most target classes cited per finding.
const MAX_CITED: usize = 8;

pub fn check(facts: &Facts, listing: &Listing, context: &Context, out: &mut Vec<Finding>) {
    let strings = facts.foreign_components();
    if strings.is_empty() {
        return;
    }
    let own = format!("{}.", facts.identity().package);
    let targets: Vec<&String> = strings
        .iter()
        .filter(|t| !t.starts_with(&own) && !SYSTEM_PACKAGES.iter().any(|p| t.starts_with(p)))
        .collect();
    if targets.is_empty() {
        return;
    }
    let Some(explicit) = facts.api_ref("component.explicit") else {
        return;
    };
    let declared = listing.behaviour_declarations().auto_start;
    if declared
        .as_ref()
        .is_some_and(|a| !a.associated_start_targets.is_empty())
    {
        return;
    }
    let sdks = facts.sdks();
    let mut owners: Vec<(Option<String>, Vec<&str>)> = Vec::new();
    for t in targets {
        let sdk = sdk_of_class(&sdks, t).map(|s| s.id.clone());
        match owners.iter_mut().find(|(s, _)| *s == sdk) {
            Some((_, list)) => list.push(t),
            None => owners.push((sdk, vec![t])),
        }
    }
    for (sdk, list) in owners {
        let who = sdk
            .as_deref()
            .and_then(|id| sdks.iter().find(|s| s.id == id));
        let (who_en, who_zh) = match who {
            Some(s) => (
                format!("{} ({})", s.name, s.id),
                format!("{}（{}）", s.name, s.id),
            ),
            None => ("The app".to_owned(), "应用".to_owned()),
        };
        let cited: Vec<&str> = list.iter().copied().take(MAX_CITED).collect();
        out.push(
            RULE.rectify(context)
                .en(format!(
                    "{who_en} builds explicit components naming services or receivers of other apps ({}), the way apps start or wake each other, but the listing declares no associated start targets.",
                    cited.join(", ")
                ))
                .zh(format!(
                    "{who_zh}在代码中以显式组件指向其他应用的服务或广播接收器（{}），可用于关联启动或相互唤醒，但上架信息未声明关联启动对象。",
                    cited.join("、")
                ))
                .evidence(EvidenceSource::Dex, "foreign_components", json::strs(cited.iter().copied()))
                .evidence(EvidenceSource::Dex, "api_refs[component.explicit]", json::str(&explicit.method))
                .evidence(
                    EvidenceSource::Listing,
                    "behaviour_declarations.auto_start.associated_start_targets",
                    match &declared {
                        Some(a) => json::strs(a.associated_start_targets.iter().map(String::as_str)),
                        None => json::null(),
                    },
                )
                .expected("associated_start_targets declared, or no start of other apps")
                .maybe_sdk(sdk)
                .build(),
        );
    }
}
