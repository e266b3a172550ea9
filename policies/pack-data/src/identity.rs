//! Who may publish under which name (DECEIVE-IDENT-026, PLAT-FILING-030,
//! DECEIVE-PI-025).
//!
//! The default tables are our own, from memory of the owners' public
//! package names and operating entities (confidence: memory). A platform
//! replaces them with its registry through settings (see the deception
//! module's documentation); the defaults only keep a platform without a
//! registry from accepting the most copied names.

use shelfgate_policy_sdk::{Confidence, Source};

/// The protected namespaces and app names of this module.
pub const SOURCE: Source = Source::new("protected-namespaces", "1", Confidence::Memory);

/// A package namespace reserved for one owner.
#[derive(Debug)]
pub struct Namespace {
    /// A dotted prefix ending in `.`, or one exact package name.
    pub prefix: &'static str,
    /// Who holds it, for messages.
    pub owner: &'static str,
    /// Words one of which the owner's developer or filing entity name
    /// contains. Empty: reserved for the platform itself, nobody uploads.
    pub owner_marks: &'static [&'static str],
}

pub static PROTECTED_NAMESPACES: &[Namespace] = &[
    ns("android.", "the Android platform", &[]),
    ns("com.android.", "the Android platform", &[]),
    ns("com.google.android.", "Google", &["google"]),
    ns("com.tencent.", "Tencent (腾讯)", &["腾讯", "tencent"]),
    ns(
        "com.taobao.",
        "Alibaba (淘宝)",
        &["淘宝", "阿里巴巴", "taobao", "alibaba"],
    ),
    ns(
        "com.alibaba.",
        "Alibaba (阿里巴巴)",
        &["阿里巴巴", "淘宝", "alibaba", "taobao"],
    ),
    ns(
        "com.tmall.",
        "Alibaba (天猫)",
        &["天猫", "阿里巴巴", "tmall", "alibaba"],
    ),
    ns(
        "com.eg.android.AlipayGphone",
        "Ant Group (支付宝)",
        &["支付宝", "蚂蚁", "alipay", "ant group"],
    ),
    ns(
        "com.alipay.",
        "Ant Group (支付宝)",
        &["支付宝", "蚂蚁", "alipay", "ant group"],
    ),
    ns("com.baidu.", "Baidu (百度)", &["百度", "baidu"]),
    ns(
        "com.ss.android.",
        "ByteDance (字节跳动)",
        &["字节跳动", "抖音", "bytedance", "douyin"],
    ),
    ns(
        "com.sankuai.",
        "Meituan (美团)",
        &["美团", "三快", "meituan"],
    ),
    ns("com.jingdong.", "JD.com (京东)", &["京东", "jingdong"]),
    ns(
        "com.xunmeng.",
        "Pinduoduo (拼多多)",
        &["寻梦", "拼多多", "pinduoduo"],
    ),
    ns(
        "com.hicorenational.antifraud",
        "国家反诈中心 (Ministry of Public Security)",
        &["公安部"],
    ),
    ns(
        "cn.gov.tax.its",
        "个人所得税 (State Taxation Administration)",
        &["国家税务总局"],
    ),
    ns(
        "com.tmri.app.main",
        "交管12123 (Traffic Management Research Institute of the MPS)",
        &["公安部"],
    ),
];

const fn ns(
    prefix: &'static str,
    owner: &'static str,
    owner_marks: &'static [&'static str],
) -> Namespace {
    Namespace {
        prefix,
        owner,
        owner_marks,
    }
}

/// An app name that only its owner may use.
#[derive(Debug)]
pub struct ProtectedApp {
    pub name: &'static str,
    /// The owner's namespaces (as [`Namespace::prefix`]).
    pub prefixes: &'static [&'static str],
}

pub static PROTECTED_APPS: &[ProtectedApp] = &[
    app("微信", &["com.tencent."]),
    app("WeChat", &["com.tencent."]),
    app("QQ", &["com.tencent."]),
    app("支付宝", &["com.eg.android.AlipayGphone", "com.alipay."]),
    app("Alipay", &["com.eg.android.AlipayGphone", "com.alipay."]),
    app("淘宝", &["com.taobao."]),
    app("Taobao", &["com.taobao."]),
    app("抖音", &["com.ss.android."]),
    app("TikTok", &["com.ss.android.", "com.zhiliaoapp."]),
    app("美团", &["com.sankuai.", "com.meituan."]),
    app("京东", &["com.jingdong.", "com.jd."]),
    app("拼多多", &["com.xunmeng."]),
    app("百度", &["com.baidu."]),
    app("国家反诈中心", &["com.hicorenational.antifraud"]),
    app("个人所得税", &["cn.gov.tax.its"]),
    app("交管12123", &["com.tmri.app.main"]),
];

const fn app(name: &'static str, prefixes: &'static [&'static str]) -> ProtectedApp {
    ProtectedApp { name, prefixes }
}

/// Whether `package` lies in namespace `prefix` (a dotted prefix ending in
/// `.`, or an exact package name).
pub fn in_namespace(package: &str, prefix: &str) -> bool {
    match prefix.strip_suffix('.') {
        Some(base) => package == base || package.starts_with(prefix),
        None => {
            package == prefix
                || package
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('.'))
        }
    }
}

/// The one-character province abbreviations that start an ICP filing
/// number (31 provincial-level divisions of the mainland).
pub const FILING_PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";

/// The ICP filing-number pattern built on [`FILING_PROVINCES`] (from memory).
pub const FILING_SOURCE: Source = Source::new("icp-filing-number-pattern", "1", Confidence::Memory);

/// Necessary-PI items (CAC-2021-14) that are an ID document's type and
/// number or its copy: a category that lists one needs real-name identity
/// for its basic function.
pub static ID_DOCUMENT_ITEMS: &[&str] = &[
    "attendee_info",
    "bank_user_identity",
    "borrower_identity",
    "driver_identity",
    "id_document_copy",
    "investor_identity",
    "passenger_identity",
    "patient_registration",
    "real_name_identity",
    "sender_identity",
    "traveller_identity",
    "used_car_buyer",
    "used_car_seller",
];

/// Whether the basic function of necessary-PI category `id` needs an ID
/// document.
pub fn category_needs_id(id: u32) -> bool {
    crate::category(id).is_some_and(|c| {
        c.necessary_pi
            .iter()
            .any(|item| ID_DOCUMENT_ITEMS.contains(item))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces() {
        assert!(in_namespace("com.tencent.mm", "com.tencent."));
        assert!(in_namespace("com.tencent", "com.tencent."));
        assert!(!in_namespace("com.tencentx.mm", "com.tencent."));
        assert!(in_namespace("cn.gov.tax.its", "cn.gov.tax.its"));
        assert!(in_namespace("cn.gov.tax.its.beta", "cn.gov.tax.its"));
        assert!(!in_namespace("cn.gov.tax.itsx", "cn.gov.tax.its"));
    }

    #[test]
    fn id_categories() {
        assert!(category_needs_id(12));
        assert!(!category_needs_id(7));
        assert!(!category_needs_id(99));
    }
}
