//! Facts from the resource files the manifest names (contract 0.1.2), on
//! real corpus APKs: FileProvider paths, launcher icons (PNG, WebP and
//! adaptive), provider access, and dex strings naming other apps'
//! components. Bounds on hostile images are tested in `icon.rs`.

use std::path::PathBuf;

use shelfgate_contract::types::{IconImage, LauncherIcon};
use shelfgate_inspect::{ApkFacts, Inspector};

fn inspect(name: &str) -> Option<ApkFacts> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../../shared/corpus/apk")
        .join(name);
    if !path.exists() {
        eprintln!("NOTICE: {} is absent; skipping", path.display());
        return None;
    }
    Some(Inspector::default().inspect_path(&path).expect(name))
}

fn icons(facts: &ApkFacts) -> &[LauncherIcon] {
    &facts
        .resources
        .as_ref()
        .expect("0.1.2 facts")
        .launcher_icons
}

fn image<'a>(icon: &'a LauncherIcon, role: &str) -> &'a IconImage {
    icon.images
        .iter()
        .find(|i| i.role == role)
        .unwrap_or_else(|| panic!("no {role} image in {icon:?}"))
}

#[test]
fn bugly_file_providers_share_external_paths_only() {
    let Some(facts) = inspect("bugly-app-release.apk") else {
        return;
    };
    let res = facts.resources.as_ref().expect("resources");
    let providers: Vec<&str> = res
        .file_provider_paths
        .iter()
        .map(|p| p.provider.as_str())
        .collect();
    assert_eq!(
        providers,
        [
            "android.support.v4.content.FileProvider",
            "com.tencent.bugly.beta.utils.BuglyFileProvider"
        ]
    );
    for p in &res.file_provider_paths {
        assert_eq!(p.path, "res/xml/provider_paths.xml");
        let entries: Vec<(&str, &str)> = p
            .entries
            .iter()
            .map(|e| (e.kind.as_str(), e.path.as_str()))
            .collect();
        assert_eq!(
            entries,
            [
                ("external-path", "Download/"),
                ("external-path", "Android/data/")
            ]
        );
    }
    // Both providers are listed with their (absent) read/write permissions.
    let access = facts.provider_access.as_ref().expect("provider access");
    assert_eq!(access.len(), 2);
    assert!(access
        .iter()
        .all(|a| a.read_permission.is_none() && a.write_permission.is_none()));
    assert!(res.accessibility_configs.is_empty() && res.backup_rules.is_empty());
}

#[test]
fn png_launcher_icons_are_measured_at_the_highest_density() {
    let Some(facts) = inspect("androguard-hello-world.apk") else {
        return;
    };
    let [icon] = icons(&facts) else {
        panic!("one icon expected: {:?}", icons(&facts));
    };
    assert_eq!(
        (icon.owner.as_str(), icon.resource.as_str()),
        ("", "@mipmap/ic_launcher")
    );
    assert!(!icon.adaptive && icon.problems.is_empty());
    let bitmap = image(icon, "bitmap");
    assert_eq!(bitmap.source, "res/mipmap-xxxhdpi-v4/ic_launcher.png");
    assert_eq!(
        (bitmap.format.as_str(), bitmap.width, bitmap.height),
        ("png", 192, 192)
    );
    // A round legacy icon: clear corners, far from invisible.
    let clear = bitmap.transparent_permille.expect("measured");
    assert!((100..900).contains(&clear), "{clear}");
}

#[test]
fn a_launcher_activity_with_its_own_icon_is_measured_too() {
    let Some(facts) = inspect("androguard-a2dp.Vol_137.apk") else {
        return;
    };
    let owners: Vec<(&str, &str)> = icons(&facts)
        .iter()
        .map(|i| (i.owner.as_str(), i.resource.as_str()))
        .collect();
    assert_eq!(
        owners,
        [
            ("", "@drawable/ic_launcher"),
            ("a2dp.Vol.main", "@drawable/icon5")
        ]
    );
    for icon in icons(&facts) {
        let clear = image(icon, "bitmap")
            .transparent_permille
            .expect("measured");
        assert!(clear < 950, "{icon:?}");
    }
}

#[test]
fn adaptive_icons_report_their_layers() {
    if let Some(facts) = inspect("androguard-com.test.intent_filter.apk") {
        let [icon] = icons(&facts) else {
            panic!("{:?}", icons(&facts));
        };
        assert!(icon.adaptive);
        let background = image(icon, "background");
        assert_eq!(
            (
                background.format.as_str(),
                background.width,
                background.transparent_permille
            ),
            ("png", 432, Some(0))
        );
        let foreground = image(icon, "foreground");
        assert_eq!(foreground.format, "xml");
        assert_eq!(foreground.transparent_permille, None);
    }
    // WebP legacy bitmaps beside an adaptive icon of vector layers.
    if let Some(facts) = inspect("apktool-GHSA-2hqv-2xv4-5h5w.apk") {
        let [icon] = icons(&facts) else {
            panic!("{:?}", icons(&facts));
        };
        assert!(icon.adaptive);
        let bitmap = image(icon, "bitmap");
        assert_eq!(bitmap.source, "res/mipmap-xxxhdpi-v4/ic_launcher.webp");
        assert_eq!((bitmap.format.as_str(), bitmap.width), ("webp", 192));
        assert!(bitmap.transparent_permille.is_some_and(|c| c < 950));
        let roles: Vec<&str> = icon.images.iter().map(|i| i.role.as_str()).collect();
        assert_eq!(roles, ["bitmap", "background", "foreground", "monochrome"]);
    }
}

#[test]
fn platform_service_names_are_not_foreign_components() {
    let Some(facts) = inspect("bugly-app-release.apk") else {
        return;
    };
    let foreign = facts.dex.foreign_components.as_ref().expect("0.1.2 facts");
    assert!(
        foreign.iter().all(|c| !c.starts_with("android.")),
        "{foreign:?}"
    );
}
