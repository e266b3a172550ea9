//! Google Play's restricted permissions and Android 14's foreground-service
//! types (TECH-PLAY-037..041, DECEIVE-INSTALL-023).
//!
//! From the Play Console Help articles listed in regulation-sources.md §9
//! (verified) and the Android 14 foreground-service documentation.

use shelfgate_policy_sdk::{Confidence, Source};

/// The Play permission and foreground-service tables of this module.
pub const SOURCE: Source = Source::new(
    "google-play-restricted-permissions",
    "2025-08",
    Confidence::Verified,
);

/// The SMS permission group under Play's SMS and Call Log policy.
pub static SMS_PERMISSIONS: &[&str] = &[
    "android.permission.READ_SMS",
    "android.permission.RECEIVE_MMS",
    "android.permission.RECEIVE_SMS",
    "android.permission.RECEIVE_WAP_PUSH",
    "android.permission.SEND_SMS",
];

/// The Call Log permission group under the same policy.
pub static CALL_LOG_PERMISSIONS: &[&str] = &[
    "android.permission.PROCESS_OUTGOING_CALLS",
    "android.permission.READ_CALL_LOG",
    "android.permission.WRITE_CALL_LOG",
];

/// A permission Play accepts only with an approved declaration.
#[derive(Debug)]
pub struct Declared {
    pub permission: &'static str,
    /// The Play policy article.
    pub policy: &'static str,
    /// The core uses that article permits, for messages.
    pub permitted: &'static str,
}

pub static DECLARATION_PERMISSIONS: &[Declared] = &[
    Declared {
        permission: "android.permission.ACCESS_BACKGROUND_LOCATION",
        policy: "Location permissions (background location)",
        permitted: "core functionality that needs location while the app is not in use, with prominent disclosure",
    },
    Declared {
        permission: "android.permission.MANAGE_EXTERNAL_STORAGE",
        policy: "All files access permission",
        permitted: "file managers, backup and restore, antivirus, document management, on-device search, encryption, device migration",
    },
    Declared {
        permission: "android.permission.QUERY_ALL_PACKAGES",
        policy: "Use of the broad package (App) visibility permission",
        permitted: "device search, antivirus, file managers, browsers and other core uses that must see every installed app",
    },
    Declared {
        permission: "android.permission.READ_MEDIA_IMAGES",
        policy: "Photo and Video Permissions",
        permitted: "core use needing broad access to photos; otherwise the system photo picker",
    },
    Declared {
        permission: "android.permission.READ_MEDIA_VIDEO",
        policy: "Photo and Video Permissions",
        permitted: "core use needing broad access to videos; otherwise the system photo picker",
    },
    Declared {
        permission: "android.permission.REQUEST_INSTALL_PACKAGES",
        policy: "Use of the REQUEST_INSTALL_PACKAGES permission",
        permitted: "core function of sending, receiving or installing app packages at the user's request",
    },
];

/// Health Connect permissions (Play's Health Connect policy).
pub const HEALTH_PERMISSION_PREFIX: &str = "android.permission.health.";

/// The permission a `VpnService` is bound with (Play's VpnService policy).
pub const VPN_SERVICE_PERMISSION: &str = "android.permission.BIND_VPN_SERVICE";

/// A foreground-service type and the permission Android 14 requires for it
/// from targetSdk 34.
#[derive(Debug)]
pub struct FgsType {
    pub name: &'static str,
    /// `None`: no type-specific permission (`shortService`).
    pub permission: Option<&'static str>,
}

pub static FGS_TYPES: &[FgsType] = &[
    fgs(
        "camera",
        Some("android.permission.FOREGROUND_SERVICE_CAMERA"),
    ),
    fgs(
        "connectedDevice",
        Some("android.permission.FOREGROUND_SERVICE_CONNECTED_DEVICE"),
    ),
    fgs(
        "dataSync",
        Some("android.permission.FOREGROUND_SERVICE_DATA_SYNC"),
    ),
    fgs(
        "health",
        Some("android.permission.FOREGROUND_SERVICE_HEALTH"),
    ),
    fgs(
        "location",
        Some("android.permission.FOREGROUND_SERVICE_LOCATION"),
    ),
    fgs(
        "mediaPlayback",
        Some("android.permission.FOREGROUND_SERVICE_MEDIA_PLAYBACK"),
    ),
    fgs(
        "mediaProcessing",
        Some("android.permission.FOREGROUND_SERVICE_MEDIA_PROCESSING"),
    ),
    fgs(
        "mediaProjection",
        Some("android.permission.FOREGROUND_SERVICE_MEDIA_PROJECTION"),
    ),
    fgs(
        "microphone",
        Some("android.permission.FOREGROUND_SERVICE_MICROPHONE"),
    ),
    fgs(
        "phoneCall",
        Some("android.permission.FOREGROUND_SERVICE_PHONE_CALL"),
    ),
    fgs(
        "remoteMessaging",
        Some("android.permission.FOREGROUND_SERVICE_REMOTE_MESSAGING"),
    ),
    fgs("shortService", None),
    fgs(
        "specialUse",
        Some("android.permission.FOREGROUND_SERVICE_SPECIAL_USE"),
    ),
    fgs(
        "systemExempted",
        Some("android.permission.FOREGROUND_SERVICE_SYSTEM_EXEMPTED"),
    ),
];

const fn fgs(name: &'static str, permission: Option<&'static str>) -> FgsType {
    FgsType { name, permission }
}

/// The entry for foreground-service type `name`.
pub fn fgs_type(name: &str) -> Option<&'static FgsType> {
    FGS_TYPES.iter().find(|t| t.name == name)
}
