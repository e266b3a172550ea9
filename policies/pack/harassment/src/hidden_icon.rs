//! HARASS-UNINSTALL-020, for the icon: a launcher icon users cannot see.
//!
//! The facts (contract 0.1.2) measure each launcher icon's share of fully
//! transparent pixels: the densest PNG/WebP bitmap, and an adaptive icon's
//! layers. An icon is invisible when more than 95 % of its pixels have
//! alpha 0 (catalogue threshold): a bitmap that clear, or an adaptive icon
//! whose background and foreground are both that clear (a colour layer
//! counts by its alpha). A layer that was not measured (a vector) leaves
//! the icon visible as far as the facts can tell. Reject, as the rest of
//! the rule: obstructive by design.

use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::{IconImage, LauncherIcon};

use crate::uninstall::RULE;

/// More than 95 % of pixels clear, in per mille.
const INVISIBLE_PERMILLE: u32 = 950;

pub fn check(facts: &Facts, out: &mut Vec<Finding>) {
    for icon in facts.launcher_icons() {
        let clear = |i: &&IconImage| {
            i.transparent_permille
                .is_some_and(|p| p > INVISIBLE_PERMILLE)
        };
        let bitmap = icon
            .images
            .iter()
            .find(|i| i.role == "bitmap")
            .filter(clear);
        let layer = |role: &str| icon.images.iter().find(|i| i.role == role);
        let adaptive = match (layer("background"), layer("foreground")) {
            (Some(b), Some(f)) if clear(&b) && clear(&f) => Some([b, f]),
            _ => None,
        };
        let images: Vec<&IconImage> = match (bitmap, adaptive) {
            (Some(b), Some(layers)) => std::iter::once(b).chain(layers).collect(),
            (Some(b), None) => vec![b],
            (None, Some(layers)) => layers.to_vec(),
            (None, None) => continue,
        };
        out.push(finding(&icon, &images));
    }
}

fn finding(icon: &LauncherIcon, images: &[&IconImage]) -> Finding {
    let whose = if icon.owner.is_empty() {
        ("the app".to_owned(), "应用".to_owned())
    } else {
        (
            format!("launcher activity {}", icon.owner),
            format!("启动入口 {} ", icon.owner),
        )
    };
    let worst = images
        .iter()
        .filter_map(|i| i.transparent_permille)
        .min()
        .unwrap_or(0);
    let mut f = RULE
        .reject()
        .en(format!(
            "The icon {} of {} is invisible: at least {:.1} % of its pixels are fully transparent, so users cannot see the app to open or uninstall it.",
            icon.resource,
            whose.0,
            f64::from(worst) / 10.0
        ))
        .zh(format!(
            "{}的图标 {} 不可见：至少 {:.1}% 的像素完全透明，用户无法看到应用以打开或卸载。",
            whose.1,
            icon.resource,
            f64::from(worst) / 10.0
        ));
    for i in images {
        f = f.evidence(
            EvidenceSource::Manifest,
            format!("{}[{}] {}", icon.resource, i.role, i.source),
            format!(
                "{{\"transparent_permille\":{},\"width\":{},\"height\":{}}}",
                i.transparent_permille.unwrap_or(0),
                i.width,
                i.height
            ),
        );
    }
    f.expected("a launcher icon with visible pixels (at most 95 % fully transparent)")
        .build()
}
