//! Tests over dex files built here, byte by byte: the corpus has few
//! sensitive calls, and none of the hostile shapes.

use super::*;

/// One instruction of a synthetic method body.
enum Op {
    /// `invoke-virtual` of `class->name(params)V`.
    Invoke(&'static str, &'static str, &'static [&'static str]),
    /// `sget-object` of `class->name:type`.
    Sget(&'static str, &'static str, &'static str),
    /// `const-string v0, text`.
    Str(&'static str),
    ReturnVoid,
    /// `const/4 v0, #1; return v0`.
    ReturnTrue,
}

struct Method {
    name: &'static str,
    params: &'static [&'static str],
    body: Vec<Op>,
}

struct Class {
    name: &'static str,
    superclass: &'static str,
    interfaces: &'static [&'static str],
    methods: Vec<Method>,
}

fn class(name: &'static str, methods: Vec<Method>) -> Class {
    Class {
        name,
        superclass: "Ljava/lang/Object;",
        interfaces: &[],
        methods,
    }
}

fn method(name: &'static str, body: Vec<Op>) -> Method {
    Method {
        name,
        params: &[],
        body,
    }
}

/// Ids interned in first-use order. Real files sort them; the reader
/// does not need that.
#[derive(Default)]
struct Ids {
    strings: Vec<String>,
    types: Vec<u32>,
    protos: Vec<(u32, u32, Vec<u32>)>,
    fields: Vec<(u32, u32, u32)>,
    methods: Vec<(u32, u32, u32)>,
}

impl Ids {
    fn string(&mut self, s: &str) -> u32 {
        match self.strings.iter().position(|x| x == s) {
            Some(i) => i as u32,
            None => {
                self.strings.push(s.to_owned());
                self.strings.len() as u32 - 1
            }
        }
    }
    fn ty(&mut self, desc: &str) -> u32 {
        let s = self.string(desc);
        match self.types.iter().position(|&x| x == s) {
            Some(i) => i as u32,
            None => {
                self.types.push(s);
                self.types.len() as u32 - 1
            }
        }
    }
    fn proto(&mut self, ret: &str, params: &[&str]) -> u32 {
        let shorty = self.string(&format!("{}{}", &ret[..1], "L".repeat(params.len())));
        let ret = self.ty(ret);
        let params: Vec<u32> = params.iter().map(|p| self.ty(p)).collect();
        let item = (shorty, ret, params);
        match self.protos.iter().position(|x| *x == item) {
            Some(i) => i as u32,
            None => {
                self.protos.push(item);
                self.protos.len() as u32 - 1
            }
        }
    }
    fn method(&mut self, class: &str, name: &str, ret: &str, params: &[&str]) -> u32 {
        let item = (self.ty(class), self.proto(ret, params), self.string(name));
        match self.methods.iter().position(|x| *x == item) {
            Some(i) => i as u32,
            None => {
                self.methods.push(item);
                self.methods.len() as u32 - 1
            }
        }
    }
    fn field(&mut self, class: &str, name: &str, ty: &str) -> u32 {
        let item = (self.ty(class), self.ty(ty), self.string(name));
        match self.fields.iter().position(|x| *x == item) {
            Some(i) => i as u32,
            None => {
                self.fields.push(item);
                self.fields.len() as u32 - 1
            }
        }
    }
}

fn uleb(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn put_u32(out: &mut [u8], at: usize, v: u32) {
    out[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn align4(out: &mut Vec<u8>) {
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}

fn returns(m: &Method) -> &'static str {
    if m.body.iter().any(|op| matches!(op, Op::ReturnTrue)) {
        "Z"
    } else {
        "V"
    }
}

/// A dex file defining `classes` and referencing `extra` types.
fn build(classes: &[Class], extra: &[&str]) -> Vec<u8> {
    let mut ids = Ids::default();
    let mut defined_methods = Vec::new();
    for c in classes {
        ids.ty(c.name);
        ids.ty(c.superclass);
        for m in &c.methods {
            defined_methods.push(ids.method(c.name, m.name, returns(m), m.params));
        }
    }
    for t in extra {
        ids.ty(t);
    }
    let mut bodies: Vec<Vec<u16>> = Vec::new();
    for c in classes {
        for m in &c.methods {
            let mut units = Vec::new();
            for op in &m.body {
                match op {
                    Op::Invoke(class, name, params) => {
                        let idx = ids.method(class, name, "V", params);
                        units.extend([0x006e, idx as u16, 0]);
                    }
                    Op::Sget(class, name, ty) => {
                        let idx = ids.field(class, name, ty);
                        units.extend([0x0062, idx as u16]);
                    }
                    Op::Str(text) => {
                        let idx = ids.string(text);
                        units.extend([0x001a, idx as u16]);
                    }
                    Op::ReturnVoid => units.push(0x000e),
                    Op::ReturnTrue => units.extend([0x1012, 0x000f]),
                }
            }
            bodies.push(units);
        }
    }
    let interfaces: Vec<Vec<u32>> = classes
        .iter()
        .map(|c| c.interfaces.iter().map(|i| ids.ty(i)).collect())
        .collect();

    let mut out = vec![0u8; 0x70];
    let tables = [
        (56, ids.strings.len(), 4),
        (64, ids.types.len(), 4),
        (72, ids.protos.len(), 12),
        (80, ids.fields.len(), 8),
        (88, ids.methods.len(), 8),
        (96, classes.len(), 32),
    ];
    let mut table_off = [0usize; 6];
    for (i, &(at, count, size)) in tables.iter().enumerate() {
        table_off[i] = out.len();
        put_u32(&mut out, at, count as u32);
        let off = if count > 0 { out.len() as u32 } else { 0 };
        put_u32(&mut out, at + 4, off);
        out.resize(out.len() + count * size, 0);
    }
    for (i, s) in ids.strings.clone().iter().enumerate() {
        let off = out.len() as u32;
        put_u32(&mut out, table_off[0] + i * 4, off);
        uleb(&mut out, s.encode_utf16().count() as u32);
        out.extend_from_slice(s.as_bytes());
        out.push(0);
    }
    for (i, &s) in ids.types.iter().enumerate() {
        put_u32(&mut out, table_off[1] + i * 4, s);
    }
    let type_list = |out: &mut Vec<u8>, items: &[u32]| -> u32 {
        if items.is_empty() {
            return 0;
        }
        align4(out);
        let off = out.len() as u32;
        out.extend_from_slice(&(items.len() as u32).to_le_bytes());
        for &t in items {
            out.extend_from_slice(&(t as u16).to_le_bytes());
        }
        off
    };
    for (i, (shorty, ret, params)) in ids.protos.iter().enumerate() {
        let params_off = type_list(&mut out, params);
        let at = table_off[2] + i * 12;
        put_u32(&mut out, at, *shorty);
        put_u32(&mut out, at + 4, *ret);
        put_u32(&mut out, at + 8, params_off);
    }
    for (i, &(class, ty, name)) in ids.fields.iter().enumerate() {
        let at = table_off[3] + i * 8;
        out[at..at + 2].copy_from_slice(&(class as u16).to_le_bytes());
        out[at + 2..at + 4].copy_from_slice(&(ty as u16).to_le_bytes());
        put_u32(&mut out, at + 4, name);
    }
    for (i, &(class, proto, name)) in ids.methods.iter().enumerate() {
        let at = table_off[4] + i * 8;
        out[at..at + 2].copy_from_slice(&(class as u16).to_le_bytes());
        out[at + 2..at + 4].copy_from_slice(&(proto as u16).to_le_bytes());
        put_u32(&mut out, at + 4, name);
    }
    let mut code_offs = Vec::new();
    for units in &bodies {
        align4(&mut out);
        code_offs.push(out.len() as u32);
        for v in [1u16, 0, 0, 0] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(units.len() as u32).to_le_bytes());
        for u in units {
            out.extend_from_slice(&u.to_le_bytes());
        }
    }
    let mut next_method = 0;
    for (i, c) in classes.iter().enumerate() {
        let interfaces_off = type_list(&mut out, &interfaces[i]);
        let data_off = out.len() as u32;
        uleb(&mut out, 0);
        uleb(&mut out, 0);
        uleb(&mut out, c.methods.len() as u32);
        uleb(&mut out, 0);
        let mut prev = 0;
        for _ in &c.methods {
            let idx = defined_methods[next_method];
            uleb(&mut out, idx - prev);
            uleb(&mut out, 1);
            uleb(&mut out, code_offs[next_method]);
            prev = idx;
            next_method += 1;
        }
        let at = table_off[5] + i * 32;
        put_u32(
            &mut out,
            at,
            ids.types
                .iter()
                .position(|&s| ids.strings[s as usize] == c.name)
                .unwrap() as u32,
        );
        put_u32(&mut out, at + 4, 1);
        put_u32(
            &mut out,
            at + 8,
            ids.types
                .iter()
                .position(|&s| ids.strings[s as usize] == c.superclass)
                .unwrap() as u32,
        );
        put_u32(&mut out, at + 12, interfaces_off);
        put_u32(&mut out, at + 16, u32::MAX);
        put_u32(
            &mut out,
            at + 24,
            if c.methods.is_empty() { 0 } else { data_off },
        );
    }
    out[..8].copy_from_slice(b"dex\n035\0");
    let len = out.len() as u32;
    put_u32(&mut out, 32, len);
    put_u32(&mut out, 36, 0x70);
    put_u32(&mut out, 40, 0x1234_5678);
    out
}

fn facts(files: &[Vec<u8>], limits: &Limits) -> (DexFacts, ClassSet) {
    let mut index = DexIndex::new();
    for (i, bytes) in files.iter().enumerate() {
        index
            .add(&format!("classes{i}.dex"), bytes, DexOrigin::Loaded, limits)
            .unwrap();
    }
    index.finish()
}

fn refs(facts: &DexFacts) -> Vec<(String, String, Vec<String>)> {
    facts
        .api_refs
        .iter()
        .map(|r| (r.key.clone(), r.method.clone(), r.callers.clone()))
        .collect()
}

const TM: &str = "Landroid/telephony/TelephonyManager;";

#[test]
fn api_refs_name_the_calling_classes() {
    let dex = build(
        &[
            class(
                "Lcom/app/Main;",
                vec![method(
                    "onCreate",
                    vec![
                        Op::Invoke(TM, "getDeviceId", &[]),
                        Op::Str("android_id"),
                        Op::Invoke("Landroid/provider/Settings$Secure;", "getString", &[]),
                        Op::Invoke(TM, "getNetworkOperator", &[]),
                        Op::ReturnVoid,
                    ],
                )],
            ),
            class(
                "Lcom/sdk/Fp;",
                vec![method(
                    "collect",
                    vec![
                        Op::Sget("Landroid/os/Build;", "SERIAL", "Ljava/lang/String;"),
                        Op::Invoke(TM, "getDeviceId", &[]),
                        Op::ReturnVoid,
                    ],
                )],
            ),
            class("Lcom/app/Quiet;", vec![method("run", vec![Op::ReturnVoid])]),
            class(
                "Lcom/app/Prefs;",
                vec![
                    method("a", vec![Op::Str("android_id"), Op::ReturnVoid]),
                    method(
                        "b",
                        vec![
                            Op::Str("enabled_notification_listeners"),
                            Op::Invoke("Landroid/provider/Settings$Secure;", "getString", &[]),
                            Op::ReturnVoid,
                        ],
                    ),
                ],
            ),
        ],
        &[],
    );
    let (facts, classes) = facts(&[dex], &Limits::default());
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        refs(&facts),
        [
            (
                "device-id.android-id".into(),
                "Landroid/provider/Settings$Secure;->getString".into(),
                s(&["com.app.Main"])
            ),
            (
                "device-id.imei".into(),
                format!("{TM}->getDeviceId"),
                s(&["com.app.Main", "com.sdk.Fp"])
            ),
            (
                "device-id.serial".into(),
                "Landroid/os/Build;->SERIAL".into(),
                s(&["com.sdk.Fp"])
            ),
        ]
    );
    assert_eq!(facts.class_count, 4);
    assert!(classes.is_defined("com.app.Quiet"));
    assert!(classes.has_prefix("android/telephony/"));
    assert!(facts.packages.contains(&"android.provider".to_owned()));
}

#[test]
fn subclass_calls_match_by_parameters() {
    let dex = build(
        &[Class {
            name: "Lcom/app/Svc;",
            superclass: "Landroid/app/Service;",
            interfaces: &[],
            methods: vec![method(
                "onCreate",
                vec![
                    Op::Invoke(
                        "Lcom/app/Svc;",
                        "startForeground",
                        &["I", "Landroid/app/Notification;"],
                    ),
                    Op::Invoke(
                        "Lcom/app/Other;",
                        "startForeground",
                        &["Ljava/lang/String;"],
                    ),
                    Op::Invoke(
                        "Lcom/app/Web;",
                        "addJavascriptInterface",
                        &["Ljava/lang/Object;", "Ljava/lang/String;"],
                    ),
                    Op::ReturnVoid,
                ],
            )],
        }],
        &[],
    );
    let (facts, _) = facts(&[dex], &Limits::default());
    let got: Vec<(String, String)> = refs(&facts).into_iter().map(|(k, m, _)| (k, m)).collect();
    assert_eq!(
        got,
        [
            (
                "service.start-foreground".into(),
                "Lcom/app/Svc;->startForeground".into()
            ),
            (
                "webview.js-bridge".into(),
                "Lcom/app/Web;->addJavascriptInterface".into()
            ),
        ]
    );
}

#[test]
fn disabled_tls_checks_are_found() {
    let trust = |name, body| Class {
        name,
        superclass: "Ljava/lang/Object;",
        interfaces: &["Ljavax/net/ssl/X509TrustManager;"],
        methods: vec![Method {
            name: "checkServerTrusted",
            params: &[
                "[Ljava/security/cert/X509Certificate;",
                "Ljava/lang/String;",
            ],
            body,
        }],
    };
    let dex = build(
        &[
            trust("Lcom/a/TrustAll;", vec![Op::ReturnVoid]),
            trust(
                "Lcom/a/Checks;",
                vec![Op::Invoke("Lcom/a/Pins;", "check", &[]), Op::ReturnVoid],
            ),
            Class {
                name: "Lcom/a/AnyHost;",
                superclass: "Ljava/lang/Object;",
                interfaces: &["Ljavax/net/ssl/HostnameVerifier;"],
                methods: vec![Method {
                    name: "verify",
                    params: &["Ljava/lang/String;", "Ljavax/net/ssl/SSLSession;"],
                    body: vec![Op::ReturnTrue],
                }],
            },
        ],
        &[],
    );
    let (facts, _) = facts(&[dex], &Limits::default());
    let got: Vec<(String, Vec<String>)> =
        refs(&facts).into_iter().map(|(k, _, c)| (k, c)).collect();
    assert_eq!(
        got,
        [
            (
                "tls.hostname-verifier-all".into(),
                vec!["com.a.AnyHost".into()]
            ),
            ("tls.trust-all".into(), vec!["com.a.TrustAll".into()]),
        ]
    );
}

#[test]
fn referenced_types_exclude_classes_defined_in_any_file() {
    let first = build(
        &[class("Lcom/a/A;", vec![])],
        &["Lcom/a/B;", "[[Lcom/z/Arr;", "I"],
    );
    let second = build(&[class("Lcom/a/B;", vec![])], &["Lcom/c/C;"]);
    let (facts, classes) = facts(&[first, second], &Limits::default());
    assert_eq!(facts.class_count, 2);
    assert_eq!(facts.files.len(), 2);
    assert_eq!(
        classes.referenced().collect::<Vec<_>>(),
        ["com.c.C", "com.z.Arr", "java.lang.Object"]
    );
    assert_eq!(facts.referenced_type_count, 3);
    assert_eq!(facts.packages, ["com.a", "com.c", "com.z", "java.lang"]);
}

#[test]
fn callers_are_bounded_and_sorted() {
    let caller = |name| {
        class(
            name,
            vec![method(
                "m",
                vec![Op::Invoke(TM, "getImei", &[]), Op::ReturnVoid],
            )],
        )
    };
    let dex = build(&[caller("Lc/C;"), caller("Lb/B;"), caller("La/A;")], &[]);
    let limits = Limits {
        max_callers_per_api: 2,
        ..Limits::default()
    };
    let (facts, _) = facts(&[dex], &limits);
    assert_eq!(facts.api_refs[0].callers, ["a.A", "b.B"]);
}

#[test]
fn urls_come_from_the_string_table() {
    let dex = build(&[class("Lcom/a/A;", vec![])], &["Lhttps://not/a/Url;"]);
    let mut ids_dex = dex.clone();
    // Replace the type descriptor's text in place with a URL-bearing string.
    let at = ids_dex.windows(6).position(|w| w == b"Lhttps").unwrap();
    ids_dex[at..at + 18].copy_from_slice(b"see https://x.cn/p");
    let (facts, _) = facts(&[ids_dex], &Limits::default());
    assert_eq!(facts.urls, ["https://x.cn/p"]);
}

#[test]
fn a_failed_file_leaves_the_index_unchanged() {
    let good = build(&[class("Lcom/a/A;", vec![])], &[]);
    let mut bad = build(
        &[class(
            "Lcom/b/B;",
            vec![method(
                "m",
                vec![Op::Invoke(TM, "getImei", &[]), Op::ReturnVoid],
            )],
        )],
        &[],
    );
    // Point the class's data past the end: the header still parses.
    let class_defs = u32::from_le_bytes(bad[100..104].try_into().unwrap()) as usize;
    put_u32(&mut bad, class_defs + 24, 0x7fff_fff0);
    let limits = Limits::default();
    let mut index = DexIndex::new();
    index
        .add("classes.dex", &good, DexOrigin::Loaded, &limits)
        .unwrap();
    let err = index
        .add("classes2.dex", &bad, DexOrigin::Loaded, &limits)
        .unwrap_err();
    assert!(
        matches!(err, InspectError::Dex { ref file, .. } if file == "classes2.dex"),
        "{err}"
    );
    let (facts, classes) = index.finish();
    assert_eq!(facts.class_count, 1);
    assert_eq!(classes.defined().collect::<Vec<_>>(), ["com.a.A"]);
    assert!(facts.api_refs.is_empty());
}

/// Deterministic byte mutations of a valid file: every result must be
/// facts or an error, never a panic or a hang.
#[test]
fn mutated_files_never_panic() {
    let dex = build(
        &[class(
            "Lcom/app/Main;",
            vec![method(
                "m",
                vec![
                    Op::Invoke(TM, "getDeviceId", &[]),
                    Op::Sget("Landroid/os/Build;", "SERIAL", "Ljava/lang/String;"),
                    Op::ReturnVoid,
                ],
            )],
        )],
        &["Lhttp://a.b/c;"],
    );
    let limits = Limits::default();
    let mut mutator = crate::mutate::Mutator::new(0x2545_f491_4f6c_dd1d);
    for _ in 0..3000 {
        let bytes = mutator.mutate(&dex);
        let cut = bytes.len() - (mutator.next() % 8) as usize;
        let mut index = DexIndex::new();
        let _ = index.add("classes.dex", &bytes[..cut], DexOrigin::Loaded, &limits);
        let _ = index.finish();
    }
}
