//! The evaluation context: what the platform decides, handed to policies.
//!
//! Policies never read a clock or a config file; everything that varies by
//! platform or by day reaches them through [`EvaluationContext`].

use serde::{Deserialize, Serialize};
use shelfgate_contract::types::{
    BlocklistedSdk, EvaluationContext, Listing, PreviousVersion, RegulatorNotice, Setting,
};

/// A platform's configuration of the built-in rules.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlatformConfig {
    /// Markets assumed when a listing names none.
    pub default_markets: Vec<String>,
    /// The targetSdkVersion floor of the Chinese stores (TAF-API-2023: 30).
    pub cn_target_sdk_floor: u32,
    /// Google Play's target API level (GP-TARGET from 2025-08-31: 35).
    pub play_target_floor: u32,
    /// Rectify deadline when a rule has no setting of its own.
    pub default_deadline_working_days: u32,
    /// Per-rule deadlines, e.g. `SEC-BACKUP-045 = 20`.
    pub deadlines: std::collections::BTreeMap<String, u32>,
    /// Other settings handed to policies as they are.
    pub settings: std::collections::BTreeMap<String, String>,
    #[serde(skip)]
    pub regulator_notices: Vec<RegulatorNotice>,
    #[serde(skip)]
    pub sdk_blocklist: Vec<BlocklistedSdk>,
}

impl Default for PlatformConfig {
    fn default() -> Self {
        let mut deadlines = std::collections::BTreeMap::new();
        // Low-severity rule: the catalogue's default is 20 working days.
        deadlines.insert("SEC-BACKUP-045".to_string(), 20);
        PlatformConfig {
            default_markets: vec!["CN".to_string()],
            cn_target_sdk_floor: 30,
            play_target_floor: 35,
            default_deadline_working_days: 5,
            deadlines,
            settings: Default::default(),
            regulator_notices: Vec::new(),
            sdk_blocklist: Vec::new(),
        }
    }
}

impl PlatformConfig {
    /// The context for evaluating `listing` on `date` (`YYYY-MM-DD`).
    pub fn context(
        &self,
        listing: &Listing,
        date: &str,
        previous: Option<PreviousVersion>,
    ) -> EvaluationContext {
        let markets = if listing.submission.markets.is_empty() {
            self.default_markets.clone()
        } else {
            listing.submission.markets.clone()
        };
        let mut settings: Vec<Setting> = self
            .deadlines
            .iter()
            .map(|(rule, days)| Setting {
                key: format!("deadline.{rule}"),
                value: days.to_string(),
            })
            .collect();
        settings.extend(self.settings.iter().map(|(k, v)| Setting {
            key: k.clone(),
            value: v.clone(),
        }));
        EvaluationContext {
            date: date.to_string(),
            markets,
            target_stores: listing.submission.target_stores.clone(),
            cn_target_sdk_floor: self.cn_target_sdk_floor,
            play_target_floor: self.play_target_floor,
            default_deadline_working_days: self.default_deadline_working_days,
            previous,
            regulator_notices: self
                .regulator_notices
                .iter()
                .filter(|n| n.package == listing.app.package_name)
                .cloned()
                .collect(),
            sdk_blocklist: self.sdk_blocklist.clone(),
            settings,
        }
    }
}

/// Today's date in UTC, `YYYY-MM-DD`.
pub fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}
