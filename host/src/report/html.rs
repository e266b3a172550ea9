//! The campaign report as one self-contained HTML page.
//!
//! Review networks are often isolated, so the page loads nothing: styles
//! are inline and the charts are SVG drawn here, with no script and no web
//! font. Every text from the store is escaped.

use std::fmt::Write as _;

use super::{CampaignReport, Tally};

/// Bars shown per chart.
const TOP: usize = 15;

pub fn render(r: &CampaignReport) -> String {
    let mut s = String::with_capacity(32 << 10);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>shelfgate campaign report {date}</title><style>{STYLE}</style></head><body>\
         <h1>Campaign report</h1><p class=\"sub\">{date} · shelfgate</p>",
        date = esc(&r.date)
    );

    s.push_str("<section class=\"cards\">");
    for (label, value) in [
        ("apps tested", r.apps_tested),
        ("apps asked to rectify", r.apps_asked_to_rectify),
        ("companies asked to rectify", r.companies_asked_to_rectify),
        ("apps publicly notified", r.apps_notified),
        ("apps removed", r.apps_removed),
    ] {
        let _ = write!(
            s,
            "<div class=\"card\"><div class=\"n\">{value}</div><div>{label}</div></div>"
        );
    }
    s.push_str("</section>");

    s.push_str("<h2>From test to removal</h2>");
    s.push_str(&bars(
        &[
            ("tested".to_owned(), r.apps_tested),
            ("asked to rectify".to_owned(), r.apps_asked_to_rectify),
            ("notified".to_owned(), r.apps_notified),
            ("removed".to_owned(), r.apps_removed),
        ],
        "#3b6ea5",
    ));

    s.push_str("<h2>Latest verdicts</h2>");
    s.push_str(&bars(
        &[
            ("pass".to_owned(), r.decisions.pass),
            ("rectify".to_owned(), r.decisions.rectify),
            ("reject".to_owned(), r.decisions.reject),
        ],
        "#6a8f3b",
    ));

    for (title, rows, colour) in [
        ("Apps by rule", &r.by_rule, "#a5603b"),
        ("Apps by SDK", &r.by_sdk, "#7a3ba5"),
    ] {
        let _ = write!(s, "<h2>{title}</h2>");
        let top: Vec<(String, u64)> = rows
            .iter()
            .take(TOP)
            .map(|t| (t.key.clone(), t.apps))
            .collect();
        if top.is_empty() {
            s.push_str("<p>No findings.</p>");
        } else {
            s.push_str(&bars(&top, colour));
        }
        s.push_str(&table(rows));
    }

    let _ = write!(s, "<h2>Public notice list ({})</h2>", r.notice_list.len());
    if r.notice_list.is_empty() {
        s.push_str("<p>No app is on the notice list.</p>");
    } else {
        s.push_str(
            "<table><tr><th>app</th><th>developer</th><th>rectify deadline</th>\
             <th>removal after</th></tr>",
        );
        for n in &r.notice_list {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&n.package),
                esc(n.developer.as_deref().unwrap_or("-")),
                esc(n.rectify_deadline.as_deref().unwrap_or("-")),
                esc(n.removal_deadline.as_deref().unwrap_or("-"))
            );
        }
        s.push_str("</table>");
    }
    s.push_str("</body></html>\n");
    s
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:60em;\
color:#222;padding:0 1em}h1{margin-bottom:0}.sub{color:#666;margin-top:.2em}\
.cards{display:flex;flex-wrap:wrap;gap:1em}.card{border:1px solid #ddd;border-radius:6px;\
padding:.8em 1.2em;min-width:9em}.card .n{font-size:1.8em;font-weight:600}\
table{border-collapse:collapse;margin:1em 0}td,th{border-bottom:1px solid #eee;\
padding:.2em .8em;text-align:left}td.num{text-align:right}svg text{font:12px sans-serif}";

/// A horizontal bar chart, one labelled bar per row.
fn bars(rows: &[(String, u64)], colour: &str) -> String {
    const LABEL: u64 = 220;
    const WIDTH: u64 = 420;
    const ROW: u64 = 22;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let height = ROW * rows.len() as u64 + 4;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" \
         role=\"img\">",
        LABEL + WIDTH + 90
    );
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = ROW * i as u64;
        let w = (value.saturating_mul(WIDTH) / max).max(u64::from(*value > 0));
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{LABEL}\" y=\"{}\" width=\"{w}\" height=\"{}\" fill=\"{colour}\"/>\
             <text x=\"{}\" y=\"{}\">{value}</text>",
            LABEL - 8,
            y + 15,
            esc(&truncate(label, 32)),
            y + 3,
            ROW - 6,
            LABEL + w + 6,
            y + 15
        );
    }
    s.push_str("</svg>");
    s
}

fn table(rows: &[Tally]) -> String {
    let mut s = String::from(
        "<table><tr><th></th><th>apps</th><th>rectify</th><th>reject</th><th>findings</th></tr>",
    );
    for t in rows {
        let _ = write!(
            s,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&t.key),
            t.apps,
            t.rectify,
            t.reject,
            t.findings
        );
    }
    s.push_str("</table>");
    s
}

fn truncate(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_owned();
    }
    let mut t: String = text.chars().take(chars.saturating_sub(1)).collect();
    t.push('…');
    t
}

fn esc(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&#39;"),
            c => s.push(c),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{CaseCounts, Decisions, Notice};

    #[test]
    fn the_page_loads_nothing_and_escapes_store_text() {
        let r = CampaignReport {
            date: "2026-11-28".into(),
            apps_tested: 10,
            decisions: Decisions {
                pass: 7,
                rectify: 2,
                reject: 1,
            },
            apps_asked_to_rectify: 2,
            companies_asked_to_rectify: 1,
            apps_notified: 1,
            apps_removed: 1,
            removed_at_once: 1,
            cases: CaseCounts::default(),
            by_rule: vec![Tally {
                key: "PI-NOTICE-004".into(),
                apps: 2,
                rectify: 2,
                reject: 0,
                findings: 3,
            }],
            by_sdk: Vec::new(),
            notice_list: vec![Notice {
                package: "com.evil<script>".into(),
                developer: Some("A & B".into()),
                case_id: 1,
                rectify_deadline: None,
                removal_deadline: None,
            }],
        };
        let page = render(&r);
        assert!(page.contains("<svg"));
        assert!(page.contains("com.evil&lt;script&gt;"));
        assert!(page.contains("A &amp; B"));
        assert!(!page.contains("<script"));
        // The SVG namespace is a name, not a fetch; nothing else is a URL.
        assert!(!page
            .replace("http://www.w3.org/2000/svg", "")
            .contains("http"));
    }
}
