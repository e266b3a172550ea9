//! What each detected capability collects, in the words of the CN
//! collected-PI list and of Play's Data safety form (DECEIVE-DECL-028).
//!
//! Our own table after the catalogue's examples (location permission ->
//! location, contacts -> contacts, ads SDK -> device or other IDs and app
//! interactions, crash SDK -> diagnostics) and Google's guidance that SDK
//! collection counts as the app's (GP-DS). Listing values are compared
//! after [`norm_type`], so `Device or other IDs` and `device_or_other_ids`
//! are the same type.

use shelfgate_policy_sdk::{Confidence, Source};

/// [`CAPABILITIES`] and the data types they collect.
pub const SOURCE: Source = Source::new("capability-data-types", "1", Confidence::Secondary);

/// A kind of data, with every listing value that declares it.
#[derive(Debug)]
pub struct DataType {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// Normalised `pi_type` values (CN list) and Data safety type names
    /// (Play) that cover this type.
    pub covered_by: &'static [&'static str],
}

pub static DATA_TYPES: &[DataType] = &[
    dt(
        "precise_location",
        "精确位置",
        "precise location",
        &["precise_location", "location", "trajectory"],
    ),
    dt(
        "approximate_location",
        "粗略位置",
        "approximate location",
        &[
            "approximate_location",
            "precise_location",
            "location",
            "trajectory",
            "bike_or_timeshare_location",
        ],
    ),
    dt("contacts", "通讯录", "contacts", &["contacts"]),
    dt(
        "call_log",
        "通话记录",
        "call log",
        &["call_log", "call_logs"],
    ),
    dt("sms", "短信", "SMS", &["sms", "sms_or_mms"]),
    dt(
        "calendar",
        "日历",
        "calendar",
        &["calendar", "calendar_events"],
    ),
    dt(
        "health",
        "健康信息",
        "health data",
        &["health_sensor", "health_info", "fitness_info"],
    ),
    dt(
        "physical_activity",
        "运动数据",
        "physical activity",
        &["physical_activity", "fitness_info"],
    ),
    dt(
        "installed_apps",
        "已安装应用列表",
        "installed apps",
        &["installed_apps"],
    ),
    dt(
        "device_id",
        "设备标识符",
        "device or other IDs",
        &["device_id", "advertising_id", "device_or_other_ids"],
    ),
    dt(
        "app_interactions",
        "应用内交互",
        "app interactions",
        &["app_interactions"],
    ),
    dt(
        "crash_diagnostics",
        "崩溃日志与诊断信息",
        "crash logs and diagnostics",
        &["crash_diagnostics", "crash_logs", "diagnostics"],
    ),
];

const fn dt(
    key: &'static str,
    zh: &'static str,
    en: &'static str,
    covered_by: &'static [&'static str],
) -> DataType {
    DataType {
        key,
        zh,
        en,
        covered_by,
    }
}

/// What makes a capability.
#[derive(Debug, Clone, Copy)]
pub enum Trigger {
    /// A requested permission.
    Permission(&'static str),
    /// An API-reference key of the host.
    Api(&'static str),
    /// A bundled SDK of this catalogue type.
    SdkType(&'static str),
}

/// A capability and the data type it collects.
#[derive(Debug)]
pub struct Capability {
    pub trigger: Trigger,
    pub data: &'static str,
    /// Only Play's Data safety form asks for it; the CN lists do not.
    pub play_only: bool,
}

pub static CAPABILITIES: &[Capability] = &[
    perm(
        "android.permission.ACCESS_FINE_LOCATION",
        "precise_location",
    ),
    perm(
        "android.permission.ACCESS_COARSE_LOCATION",
        "approximate_location",
    ),
    perm(
        "android.permission.ACCESS_BACKGROUND_LOCATION",
        "approximate_location",
    ),
    perm("android.permission.READ_CONTACTS", "contacts"),
    perm("android.permission.READ_CALL_LOG", "call_log"),
    perm("android.permission.READ_SMS", "sms"),
    perm("android.permission.RECEIVE_SMS", "sms"),
    perm("android.permission.READ_CALENDAR", "calendar"),
    perm("android.permission.BODY_SENSORS", "health"),
    perm(
        "android.permission.ACTIVITY_RECOGNITION",
        "physical_activity",
    ),
    perm("android.permission.QUERY_ALL_PACKAGES", "installed_apps"),
    perm(
        "com.android.permission.GET_INSTALLED_APPS",
        "installed_apps",
    ),
    api("device-id.imei", "device_id"),
    api("device-id.imsi", "device_id"),
    api("device-id.sim-serial", "device_id"),
    api("device-id.serial", "device_id"),
    api("device-id.mac", "device_id"),
    api("installed-apps", "installed_apps"),
    sdk("ads", "device_id", false),
    sdk("ads", "app_interactions", true),
    sdk("analytics", "device_id", false),
    sdk("analytics", "app_interactions", true),
    sdk("attribution", "device_id", false),
    sdk("push", "device_id", false),
    sdk("crash", "crash_diagnostics", false),
    sdk("location", "approximate_location", false),
];

const fn perm(name: &'static str, data: &'static str) -> Capability {
    Capability {
        trigger: Trigger::Permission(name),
        data,
        play_only: false,
    }
}

const fn api(key: &'static str, data: &'static str) -> Capability {
    Capability {
        trigger: Trigger::Api(key),
        data,
        play_only: false,
    }
}

const fn sdk(sdk_type: &'static str, data: &'static str, play_only: bool) -> Capability {
    Capability {
        trigger: Trigger::SdkType(sdk_type),
        data,
        play_only,
    }
}

/// The data type `key`.
pub fn data_type(key: &str) -> Option<&'static DataType> {
    DATA_TYPES.iter().find(|d| d.key == key)
}

/// A listing's data-type value made comparable: lower case, runs of
/// anything but letters and digits as one `_`.
pub fn norm_type(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_capability_names_a_type() {
        for c in CAPABILITIES {
            assert!(data_type(c.data).is_some(), "{}", c.data);
        }
    }

    #[test]
    fn normalising() {
        assert_eq!(norm_type("Device or other IDs"), "device_or_other_ids");
        assert_eq!(norm_type(" SMS or MMS "), "sms_or_mms");
        assert_eq!(norm_type("crash-logs"), "crash_logs");
    }
}
