//! Words the rules look for in listing text and store categories.
//!
//! Our own lists (confidence: memory), matched case-insensitively as
//! substrings. They decide only what a finding asks the developer to
//! explain, never a verdict on their own where the catalogue wants a
//! capability too.

use shelfgate_policy_sdk::{Confidence, Source};

/// The word lists of this module.
pub const SOURCE: Source = Source::new("listing-keywords", "1", Confidence::Memory);

/// Rewards offered to users (MIIT-2020-164 issue 8: points, rewards,
/// discounts used to obtain PI).
pub static REWARD_WORDS: &[&str] = &[
    "奖励",
    "红包",
    "积分",
    "返现",
    "金币",
    "优惠券",
    "领券",
    "福利",
    "赠送",
    "免费领",
    "补贴",
    "reward",
    "bonus",
    "cash back",
    "cashback",
    "coupon",
    "points",
    "red packet",
    "free gift",
];

/// ID numbers and real-name verification.
pub static ID_WORDS: &[&str] = &[
    "身份证",
    "实名",
    "证件号",
    "证件照",
    "id card",
    "id number",
    "identity card",
    "real-name",
    "real name",
];

/// Biometrics.
pub static BIOMETRIC_WORDS: &[&str] = &[
    "人脸",
    "刷脸",
    "面部",
    "声纹",
    "指纹",
    "虹膜",
    "活体",
    "face scan",
    "face recognition",
    "facial",
    "selfie",
    "voiceprint",
    "fingerprint",
    "biometric",
];

/// Lending business offered in an app (CAC-2021-14 category 12).
pub static LENDING_WORDS: &[&str] = &[
    "借款",
    "贷款",
    "借钱",
    "放款",
    "信用贷",
    "小额贷",
    "网贷",
    "loan",
    "lending",
    "borrow money",
    "cash advance",
    "payday",
];

/// Gambling, illegal in the mainland and regulated on Google Play.
pub static GAMBLING_WORDS: &[&str] = &[
    "博彩",
    "赌博",
    "赌场",
    "百家乐",
    "六合彩",
    "时时彩",
    "彩票投注",
    "真人娱乐",
    "老虎机",
    "下注",
    "casino",
    "gambling",
    "betting",
    "baccarat",
    "sportsbook",
    "slot machine",
];

/// Store categories whose core function is installing other apps: app
/// stores, browsers and file managers (GP-PERM REQUEST_INSTALL_PACKAGES).
pub static INSTALLER_CATEGORY_WORDS: &[&str] = &[
    "应用商店",
    "应用市场",
    "软件商店",
    "浏览器",
    "文件管理",
    "app store",
    "app market",
    "browser",
    "file manager",
    "file management",
];

/// Store categories of alarm clocks, timers and calendars (USE_EXACT_ALARM).
pub static ALARM_CATEGORY_WORDS: &[&str] = &[
    "闹钟", "时钟", "计时", "日历", "alarm", "clock", "timer", "calendar",
];

/// Store categories of assistive tools (isAccessibilityTool).
pub static ASSISTIVE_CATEGORY_WORDS: &[&str] = &[
    "无障碍",
    "辅助功能",
    "读屏",
    "视障",
    "听障",
    "accessibility",
    "assistive",
    "screen reader",
    "disability",
];
