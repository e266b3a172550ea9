//! Sector licences the CN market requires by app category
//! (PLAT-LICENCE-032).
//!
//! CAC-2022-APP (news and other pre-approvals), NPPA game approval (online
//! games need an approval number and an ISBN) and sector rules for lending,
//! payment, medical consultation and ride-hailing. The mapping and the
//! `licences[].type` values are platform practice written from memory
//! (regulation-sources.md §8, §12): findings built on them say so.

use shelfgate_policy_sdk::{Confidence, Source};

/// The sector-licence table of this module.
pub const SOURCE: Source = Source::new("sector-licences", "1", Confidence::Memory);

/// One licence a category needs.
#[derive(Debug)]
pub struct LicenceNeed {
    /// The `licences[].type` a finding asks for.
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// `licences[].type` values that satisfy it.
    pub accepted: &'static [&'static str],
    /// Necessary-PI categories (CAC-2021-14) that need it.
    pub categories: &'static [u32],
    /// Store-category words that identify those categories when the listing
    /// names no necessary-PI category.
    pub store_words: &'static [&'static str],
    /// The regulation behind it.
    pub source: &'static str,
}

const GAME_WORDS: &[&str] = &["游戏", "game"];

pub static LICENCE_NEEDS: &[LicenceNeed] = &[
    LicenceNeed {
        key: "nppa_game_approval",
        zh: "网络游戏出版物审批文号",
        en: "NPPA online-game approval number",
        accepted: &["nppa_game_approval"],
        categories: &[18],
        store_words: GAME_WORDS,
        source: "NPPA game approval",
    },
    LicenceNeed {
        key: "isbn",
        zh: "出版物号（ISBN）",
        en: "ISBN",
        accepted: &["isbn"],
        categories: &[18],
        store_words: GAME_WORDS,
        source: "NPPA game approval",
    },
    LicenceNeed {
        key: "news_info_service_licence",
        zh: "互联网新闻信息服务许可证",
        en: "internet news information service licence",
        accepted: &["news_info_service_licence"],
        categories: &[30],
        store_words: &["新闻", "news"],
        source: "CAC-2022-APP",
    },
    LicenceNeed {
        key: "online_lending_licence",
        zh: "网络小额贷款等放贷业务许可",
        en: "lending (online micro-credit) licence",
        accepted: &[
            "online_lending_licence",
            "financial_licence",
            "microcredit_licence",
        ],
        categories: &[12],
        store_words: &["借贷", "贷款", "lending", "loans"],
        source: "sector rules (platform practice)",
    },
    LicenceNeed {
        key: "payment_business_licence",
        zh: "支付业务许可证",
        en: "payment business licence",
        accepted: &["payment_business_licence", "financial_licence"],
        categories: &[5],
        store_words: &["支付", "payment"],
        source: "sector rules (platform practice)",
    },
    LicenceNeed {
        key: "internet_hospital_licence",
        zh: "互联网医院或医疗机构执业许可证",
        en: "internet-hospital or medical institution licence",
        accepted: &["internet_hospital_licence", "medical_institution_licence"],
        categories: &[15],
        store_words: &["问诊", "挂号", "medical consultation"],
        source: "sector rules (platform practice)",
    },
    LicenceNeed {
        key: "ride_hailing_platform_licence",
        zh: "网络预约出租汽车经营许可证",
        en: "ride-hailing platform operating licence",
        accepted: &["ride_hailing_platform_licence"],
        categories: &[2],
        store_words: &["网约车", "打车", "ride-hailing", "ride hailing"],
        source: "sector rules (platform practice)",
    },
];

/// The licence any paid internet information service needs (增值电信业务
/// 经营许可证, ICP).
pub static ICP_OPERATING: LicenceNeed = LicenceNeed {
    key: "icp_operating_licence",
    zh: "增值电信业务经营许可证（ICP）",
    en: "ICP operating licence",
    accepted: &["icp_operating_licence"],
    categories: &[],
    store_words: &[],
    source: "CAC-2022-APP",
};
