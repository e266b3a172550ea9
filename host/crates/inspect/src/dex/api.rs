//! The sensitive framework APIs behind the keys listed in the module
//! documentation of [`crate::dex`], as tables the reader matches against
//! `method_ids`, `field_ids` and class definitions.

/// One entry of the table.
pub(crate) struct Api {
    pub key: &'static str,
    /// Type descriptor of the declaring framework class.
    pub class: &'static [u8],
    /// Method or field name; `None` means every method of the class.
    pub name: Option<&'static [u8]>,
    /// Parameter descriptors that identify the method on a subclass too.
    pub inherited: Option<&'static [&'static [u8]]>,
    /// A string constant the calling method must also load, e.g. the
    /// settings key; without it the call is about something else.
    pub with_string: Option<&'static [u8]>,
}

const fn m(key: &'static str, class: &'static str, name: &'static str) -> Api {
    Api {
        key,
        class: class.as_bytes(),
        name: Some(name.as_bytes()),
        inherited: None,
        with_string: None,
    }
}

const fn any(key: &'static str, class: &'static str) -> Api {
    Api {
        key,
        class: class.as_bytes(),
        name: None,
        inherited: None,
        with_string: None,
    }
}

const fn sub(
    key: &'static str,
    class: &'static str,
    name: &'static str,
    params: &'static [&'static [u8]],
) -> Api {
    Api {
        key,
        class: class.as_bytes(),
        name: Some(name.as_bytes()),
        inherited: Some(params),
        with_string: None,
    }
}

const TELEPHONY: &str = "Landroid/telephony/TelephonyManager;";
const LOCATION: &str = "Landroid/location/LocationManager;";
const FUSED: &str = "Lcom/google/android/gms/location/FusedLocationProviderClient;";
const PACKAGE_MANAGER: &str = "Landroid/content/pm/PackageManager;";
const CLIPBOARD: &str = "Landroid/content/ClipboardManager;";
const WEB_SETTINGS: &str = "Landroid/webkit/WebSettings;";
const ALARM: &str = "Landroid/app/AlarmManager;";
const A11Y_MANAGER: &str = "Landroid/view/accessibility/AccessibilityManager;";
const A11Y_NODE: &str = "Landroid/view/accessibility/AccessibilityNodeInfo;";

/// Method references, matched on `method_ids`.
#[rustfmt::skip]
pub(crate) const METHODS: &[Api] = &[
    m("device-id.imei", TELEPHONY, "getDeviceId"),
    m("device-id.imei", TELEPHONY, "getImei"),
    m("device-id.imei", TELEPHONY, "getMeid"),
    m("device-id.imsi", TELEPHONY, "getSubscriberId"),
    m("device-id.sim-serial", TELEPHONY, "getSimSerialNumber"),
    m("device-id.phone-number", TELEPHONY, "getLine1Number"),
    m("device-id.serial", "Landroid/os/Build;", "getSerial"),
    Api {
        with_string: Some(b"android_id"),
        ..m("device-id.android-id", "Landroid/provider/Settings$Secure;", "getString")
    },
    m("device-id.mac", "Landroid/net/wifi/WifiInfo;", "getMacAddress"),
    m("device-id.mac", "Ljava/net/NetworkInterface;", "getHardwareAddress"),
    m("device-id.mac", "Landroid/bluetooth/BluetoothAdapter;", "getAddress"),
    m("installed-apps", PACKAGE_MANAGER, "getInstalledPackages"),
    m("installed-apps", PACKAGE_MANAGER, "getInstalledApplications"),
    m("clipboard", CLIPBOARD, "getPrimaryClip"),
    m("clipboard", CLIPBOARD, "getText"),
    m("clipboard", CLIPBOARD, "addPrimaryClipChangedListener"),
    m("clipboard", "Landroid/text/ClipboardManager;", "getText"),
    m("location.updates", LOCATION, "requestLocationUpdates"),
    m("location.updates", LOCATION, "requestSingleUpdate"),
    m("location.updates", LOCATION, "getLastKnownLocation"),
    m("location.updates", LOCATION, "getCurrentLocation"),
    m("location.updates", FUSED, "requestLocationUpdates"),
    m("location.updates", FUSED, "getLastLocation"),
    m("location.updates", FUSED, "getCurrentLocation"),
    m("dynamic-code.class-loader", "Ldalvik/system/DexClassLoader;", "<init>"),
    m("dynamic-code.class-loader", "Ldalvik/system/InMemoryDexClassLoader;", "<init>"),
    m("dynamic-code.class-loader", "Ldalvik/system/PathClassLoader;", "<init>"),
    any("dynamic-code.class-loader", "Ldalvik/system/BaseDexClassLoader;"),
    m("dynamic-code.class-loader", "Ldalvik/system/DexFile;", "loadDex"),
    m("dynamic-code.native-load", "Ljava/lang/System;", "load"),
    m("dynamic-code.native-load", "Ljava/lang/Runtime;", "load"),
    m("runtime.exec", "Ljava/lang/Runtime;", "exec"),
    m("runtime.exec", "Ljava/lang/ProcessBuilder;", "start"),
    sub("webview.js-bridge", "Landroid/webkit/WebView;", "addJavascriptInterface",
        &[b"Ljava/lang/Object;", b"Ljava/lang/String;"]),
    m("webview.file-access", WEB_SETTINGS, "setAllowFileAccessFromFileURLs"),
    m("webview.file-access", WEB_SETTINGS, "setAllowUniversalAccessFromFileURLs"),
    m("webview.javascript", WEB_SETTINGS, "setJavaScriptEnabled"),
    m("webview.ssl-proceed", "Landroid/webkit/SslErrorHandler;", "proceed"),
    any("accessibility", "Landroid/accessibilityservice/AccessibilityService;"),
    m("accessibility.window-content", A11Y_MANAGER, "getInstalledAccessibilityServiceList"),
    m("accessibility.window-content", A11Y_MANAGER, "getEnabledAccessibilityServiceList"),
    m("accessibility.window-content", A11Y_NODE, "performAction"),
    m("accessibility.window-content", A11Y_NODE, "findAccessibilityNodeInfosByText"),
    m("accessibility.window-content", A11Y_NODE, "findAccessibilityNodeInfosByViewId"),
    m("package-installer", "Landroid/content/pm/PackageInstaller;", "createSession"),
    any("package-installer", "Landroid/content/pm/PackageInstaller$Session;"),
    m("sensor.accelerometer", "Landroid/hardware/SensorManager;", "registerListener"),
    m("alarm.repeating", ALARM, "setRepeating"),
    m("alarm.repeating", ALARM, "setInexactRepeating"),
    m("alarm.exact", ALARM, "setExact"),
    m("alarm.exact", ALARM, "setExactAndAllowWhileIdle"),
    m("alarm.exact", ALARM, "setAlarmClock"),
    sub("service.start-foreground", "Landroid/app/Service;", "startForeground",
        &[b"I", b"Landroid/app/Notification;"]),
    sub("service.start-foreground", "Landroid/app/Service;", "startForeground",
        &[b"I", b"Landroid/app/Notification;", b"I"]),
    m("component.explicit", "Landroid/content/ComponentName;", "<init>"),
    m("component.explicit", "Landroid/content/Intent;", "setClassName"),
    m("component.explicit", "Landroid/content/Intent;", "setComponent"),
];

/// Static field reads, matched on `field_ids`.
pub(crate) const FIELDS: &[Api] = &[m("device-id.serial", "Landroid/os/Build;", "SERIAL")];

/// Implementations whose body gives away the check they should make.
pub(crate) struct Override {
    pub key: &'static str,
    /// The interface (or, for trust managers, also a base class) implemented.
    pub supertypes: &'static [&'static [u8]],
    pub name: &'static [u8],
    pub body: Body,
    /// How the finding is reported, e.g. `Ljavax/net/ssl/X509TrustManager;->checkServerTrusted`.
    pub method: &'static str,
}

/// The bodies that disable a check.
#[derive(Clone, Copy)]
pub(crate) enum Body {
    /// Only `return-void`.
    ReturnVoid,
    /// Only loads the constant 1 (`true`) and returns it.
    ReturnTrue,
}

pub(crate) const OVERRIDES: &[Override] = &[
    Override {
        key: "tls.trust-all",
        supertypes: &[
            b"Ljavax/net/ssl/X509TrustManager;",
            b"Ljavax/net/ssl/X509ExtendedTrustManager;",
        ],
        name: b"checkServerTrusted",
        body: Body::ReturnVoid,
        method: "Ljavax/net/ssl/X509TrustManager;->checkServerTrusted",
    },
    Override {
        key: "tls.hostname-verifier-all",
        supertypes: &[b"Ljavax/net/ssl/HostnameVerifier;"],
        name: b"verify",
        body: Body::ReturnTrue,
        method: "Ljavax/net/ssl/HostnameVerifier;->verify",
    },
];

impl Body {
    /// Whether `insns` is exactly this body.
    pub(crate) fn matches(self, insns: &[u8]) -> bool {
        let units: Vec<u16> = insns
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .take(4)
            .collect();
        match (self, units.as_slice()) {
            (Body::ReturnVoid, [0x000e]) => true,
            // const/4 vA, #1 ; return vA
            (Body::ReturnTrue, [load, ret]) if load & 0xff == 0x12 => {
                load >> 12 == 1 && ret & 0xff == 0x0f && ret >> 8 == (load >> 8) & 0xf
            }
            // const/16 vAA, #1 ; return vAA
            (Body::ReturnTrue, [load, 1, ret]) if load & 0xff == 0x13 => {
                ret & 0xff == 0x0f && ret >> 8 == load >> 8
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies() {
        let bytes = |u: &[u16]| u.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
        assert!(Body::ReturnVoid.matches(&bytes(&[0x000e])));
        assert!(!Body::ReturnVoid.matches(&bytes(&[0x0000, 0x000e])));
        assert!(Body::ReturnTrue.matches(&bytes(&[0x1012, 0x000f])));
        assert!(Body::ReturnTrue.matches(&bytes(&[0x1312, 0x030f])));
        assert!(!Body::ReturnTrue.matches(&bytes(&[0x0012, 0x000f])));
        assert!(!Body::ReturnTrue.matches(&bytes(&[0x1312, 0x020f])));
        assert!(Body::ReturnTrue.matches(&bytes(&[0x0513, 0x0001, 0x050f])));
    }

    #[test]
    fn keys_are_documented() {
        let doc = include_str!("mod.rs");
        for key in METHODS
            .iter()
            .chain(FIELDS)
            .map(|a| a.key)
            .chain(OVERRIDES.iter().map(|o| o.key))
        {
            assert!(
                doc.contains(&format!("| `{key}` |")),
                "{key} missing from the table"
            );
        }
    }
}
