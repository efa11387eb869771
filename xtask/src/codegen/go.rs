//! The Go backend: one file per WIT interface, `packages/go/gen_<interface>.go`, plus
//! `gen_abi.go` (the WIT digest, the core exports every call resolves, and the table of
//! wrappers a test compares with the component's exports). Everything is in the one package
//! `paywit`; see docs/CODEGEN.md for the mapping rules and packages/go/CODEGEN.md for what
//! this backend decides beyond them.
//!
//! Each interface file holds the interface's types (structs, typed enum constants, sealed
//! interfaces with one struct per variant case, error types with one pointer type per case that
//! `errors.As` finds), argument checks, and one function per export whose body is
//! straight-line code: check every argument, borrow an instance, lower at offsets computed here
//! (flat values on the call stack, or one indirect parameter block), call the core export, lift
//! the answer, call `cabi_post_`, return. The runtime (`packages/go/runtime.go`, hand-written)
//! holds the instances and the memory helpers the generated code calls.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use wit_parser::{Function, Int, InterfaceId, Type, TypeDefKind, TypeId};

use super::{banner, doc_lines, holds_secret, File, Output, Wit};

const PACKAGE_DIR: &str = "packages/go";

/// Identifiers the hand-written files of the package define: a generated name must not take one.
const HAND_WRITTEN: &[&str] = &[
    "Error",
    "InvalidArgumentError",
    "GuestFault",
    "RuntimeName",
    "Verifier",
    "NewVerifier",
    "VerifyWebhook",
    "SignWebhook",
    "WebhookOptions",
    "SignOptions",
    "Limits",
];

/// Words Go writes in capitals (Go's initialisms: `MessageID`, `URL`, `HMACScheme`).
const INITIALISMS: &[&str] =
    &["id", "url", "http", "hmac", "api", "json", "uri", "sha1", "sha256", "sha512", "utf8", "dns", "tls", "ip", "sql"];

/// The exported Go name of a WIT name: `message-id` → `MessageID`, `hmac-scheme` → `HMACScheme`.
pub fn go_name(name: &str) -> String {
    name.split('-')
        .map(|word| {
            if INITIALISMS.contains(&word) {
                word.to_uppercase()
            } else {
                let mut chars = word.chars();
                chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
            }
        })
        .collect()
}

/// The Go name of a parameter: lowerCamel, Go keywords avoided.
fn param_name(name: &str) -> String {
    let upper = go_name(name);
    let mut chars = upper.chars();
    let first = chars.next().map(|c| c.to_lowercase().collect::<String>()).unwrap_or_default();
    let mut out = format!("{first}{}", chars.as_str());
    // A leading initialism is lowered whole (`url`, `id`).
    if INITIALISMS.iter().any(|i| name == *i || name.starts_with(&format!("{i}-"))) {
        let word = name.split('-').next().unwrap();
        out = format!("{word}{}", &upper[word.len()..]);
    }
    if GO_KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

const GO_KEYWORDS: &[&str] = &[
    "break",
    "case",
    "chan",
    "const",
    "continue",
    "default",
    "defer",
    "else",
    "fallthrough",
    "for",
    "func",
    "go",
    "goto",
    "if",
    "import",
    "interface",
    "map",
    "package",
    "range",
    "return",
    "select",
    "struct",
    "switch",
    "type",
    "var",
    "m",
    "err",
    "out",
    "stack",
    "ret",
];

/// A `now: s64` parameter or field: `time.Time` in Go, the zero time meaning the current time.
fn is_now(name: &str, ty: &Type) -> bool {
    name == "now" && *ty == Type::S64
}

/// The package's generated files.
pub fn generate(wit: &Wit) -> Result<Output> {
    let names = Names::new(wit)?;
    let mut files = Vec::new();
    let mut wrappers = Vec::new();
    let mut exports: Vec<String> = vec!["cabi_realloc".into()];
    let mut helpers = BTreeMap::new();
    for interface in wit.interfaces() {
        let mut file = FileGen::new(wit, &names, interface.id, interface.name, &mut helpers);
        file.run(&mut exports)?;
        wrappers.extend(file.wrappers.iter().cloned());
        let contents = file.output();
        files.push(File {
            path: PathBuf::from(format!("{PACKAGE_DIR}/gen_{}.go", interface.name.replace('-', "_"))),
            contents: gofmt(&contents)?,
        });
    }
    let mut lowering = header("the canonical-ABI code every interface shares: argument checks, lowering into and lifting out of the core module's memory");
    lowering.push_str("package paywit\n\n");
    let body: String = helpers.values().map(|h| format!("{h}\n")).collect();
    lowering.push_str(&imports_for(&body));
    lowering.push_str(body.trim_end());
    lowering.push('\n');
    files.push(File { path: PathBuf::from(format!("{PACKAGE_DIR}/gen_lowering.go")), contents: gofmt(&lowering)? });
    files.push(File {
        path: PathBuf::from(format!("{PACKAGE_DIR}/gen_abi.go")),
        contents: gofmt(&abi_file(wit, &exports, &wrappers))?,
    });
    Ok(Output { dirs: vec![PathBuf::from(PACKAGE_DIR)], files })
}

/// `source` formatted by `gofmt` (as rust-analyzer's codegen runs rustfmt): the Go toolchain
/// builds the package anyway, and generated code reads like written code.
fn gofmt(source: &str) -> Result<String> {
    use std::io::Write;
    let mut child = std::process::Command::new("gofmt")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .context("running gofmt (the Go toolchain) to format the generated Go")?;
    child.stdin.take().unwrap().write_all(source.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        let numbered: String = source.lines().enumerate().map(|(i, l)| format!("{:4} {l}\n", i + 1)).collect();
        bail!("gofmt refused the generated Go:\n{}\n{numbered}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8(out.stdout)?)
}

/// The import block for the packages `body` uses.
fn imports_for(body: &str) -> String {
    let used: Vec<&str> = ["fmt", "log/slog", "math", "strconv", "time", "unicode/utf8"]
        .into_iter()
        .filter(|i| body.contains(&format!("{}.", i.rsplit('/').next().unwrap())))
        .collect();
    if used.is_empty() {
        return String::new();
    }
    let mut out = String::from("import (\n");
    for i in used {
        writeln!(out, "\t{i:?}").unwrap();
    }
    out.push_str(")\n\n");
    out
}

fn abi_file(wit: &Wit, exports: &[String], wrappers: &[(String, String)]) -> String {
    let mut s = header("the WIT digest, the core exports, the table of wrappers");
    s.push_str("package paywit\n\n");
    writeln!(s, "// witDigest is the WIT digest these files were generated from (abi.json carries the component's).")
        .unwrap();
    writeln!(s, "const witDigest = {:?}\n", wit.abi_digest()).unwrap();
    s.push_str(
        "// coreExports are the core module's exports the generated functions call, resolved once per instance.\n",
    );
    writeln!(s, "var coreExports = [...]string{{").unwrap();
    for e in exports {
        writeln!(s, "\t{e:?},").unwrap();
    }
    s.push_str("}\n\n");
    s.push_str("// Indices into coreExports.\nconst (\n");
    for (i, e) in exports.iter().enumerate() {
        writeln!(s, "\t{} = {i}", export_index(e)).unwrap();
    }
    s.push_str(")\n\n");
    s.push_str("// witFunctions maps every WIT export (\"interface.function\") to its Go function.\n");
    s.push_str("var witFunctions = map[string]any{\n");
    for (wit_name, go) in wrappers {
        writeln!(s, "\t{wit_name:?}: {go},").unwrap();
    }
    s.push_str("}\n");
    s
}

/// The Go constant naming a core export's index: `idxCabiRealloc`, `idxWebhooksVerify`,
/// `idxPostWebhooksVerify`.
fn export_index(core: &str) -> String {
    if core == "cabi_realloc" {
        return "idxCabiRealloc".into();
    }
    let (post, rest) = match core.strip_prefix("cabi_post_") {
        Some(rest) => ("Post", rest),
        None => ("", core),
    };
    // paywit:gateway/webhooks@0.1.0#verify-fields
    let iface = rest.split('/').nth(1).and_then(|r| r.split('@').next()).unwrap_or(rest);
    let func = rest.rsplit('#').next().unwrap_or(rest);
    format!("idx{post}{}{}", go_name(iface), go_name(func))
}

fn header(what: &str) -> String {
    let mut s = banner("//");
    // Go's own marker (https://go.dev/s/generatedcode), which gofmt, vet and linters read.
    writeln!(s, "// Code generated by cargo xtask codegen. DO NOT EDIT.\n\n// This file: {what}.\n").unwrap();
    s
}

/// Every generated top-level name, decided once for the whole package.
struct Names {
    /// Named types (records, enums, non-error variants) → Go type name.
    types: HashMap<TypeId, String>,
    /// Error types (a function's `result` error) → (family interface name, case type names).
    errors: HashMap<TypeId, (String, Vec<String>)>,
    /// Functions (interface, WIT name) → Go name.
    functions: HashMap<(InterfaceId, String), String>,
}

impl Names {
    fn new(wit: &Wit) -> Result<Names> {
        let interfaces = wit.interfaces();
        // Which types are errors: the `err` of some function's result.
        let mut error_ids = BTreeSet::new();
        for i in &interfaces {
            for f in wit.functions(i.id) {
                if let Some(Type::Id(id)) = &f.result {
                    if let TypeDefKind::Result(r) = &wit.resolve.types[*id].kind {
                        if let Some(Type::Id(e)) = r.err {
                            error_ids.insert(wit.resolve_alias(e));
                        }
                    }
                }
            }
        }
        // Which types are data: reached from a parameter, an answer, or inside an error's payload.
        let mut data = BTreeSet::new();
        for i in &interfaces {
            for f in wit.functions(i.id) {
                for p in &f.params {
                    reach(wit, &p.ty, &mut data);
                }
                match &f.result {
                    Some(Type::Id(id)) => match &wit.resolve.types[*id].kind {
                        TypeDefKind::Result(r) => {
                            if let Some(t) = &r.ok {
                                reach(wit, t, &mut data);
                            }
                            if let Some(Type::Id(e)) = r.err {
                                reach_inside(wit, wit.resolve_alias(e), &mut data);
                            }
                        }
                        _ => reach(wit, &Type::Id(*id), &mut data),
                    },
                    Some(t) => reach(wit, t, &mut data),
                    None => {}
                }
            }
        }
        // Count how many interfaces define each Go name; a name defined twice gets its interface as prefix.
        let mut candidates: Vec<(InterfaceId, String, TypeId)> = Vec::new();
        for i in &interfaces {
            for (name, id) in wit.own_types(i.id) {
                candidates.push((i.id, name.to_string(), id));
            }
        }
        let mut count: HashMap<String, usize> = HashMap::new();
        for (_, name, _) in &candidates {
            *count.entry(go_name(name)).or_default() += 1;
        }
        let iface_name = |id: InterfaceId| wit.resolve.interfaces[id].name.clone().unwrap_or_default();
        let mut types = HashMap::new();
        let mut errors = HashMap::new();
        for (iface, name, id) in &candidates {
            let prefix = if count[&go_name(name)] > 1 { go_name(&iface_name(*iface)) } else { String::new() };
            let base = format!("{prefix}{}", go_name(name));
            if error_ids.contains(id) {
                let stem = name.strip_suffix("-error").unwrap_or(if name == "error" { "" } else { name });
                let family =
                    if name == "error" || name.ends_with("-error") { base.clone() } else { format!("{base}Error") };
                let cases: Vec<String> = match &wit.resolve.types[*id].kind {
                    TypeDefKind::Variant(v) => v.cases.iter().map(|c| c.name.clone()).collect(),
                    TypeDefKind::Enum(e) => e.cases.iter().map(|c| c.name.clone()).collect(),
                    other => {
                        bail!("error type {name} is a {}: the Go generator needs a variant or enum", other.as_str())
                    }
                };
                let case_names =
                    cases.iter().map(|c| format!("{prefix}{}{}Error", go_name(stem), go_name(c))).collect();
                // An enum error that is also data (a field or payload holds it) keeps an enum type,
                // named `<Name>Value` when the family took its name (`rule-error`).
                if matches!(wit.resolve.types[*id].kind, TypeDefKind::Enum(_)) && data.contains(id) {
                    types.insert(*id, if base == family { format!("{base}Value") } else { base });
                }
                errors.insert(*id, (family, case_names));
            } else {
                types.insert(*id, base);
            }
        }
        let mut fcount: HashMap<String, usize> = HashMap::new();
        for i in &interfaces {
            for f in wit.functions(i.id) {
                *fcount.entry(go_name(&f.name)).or_default() += 1;
            }
        }
        let mut functions = HashMap::new();
        for i in &interfaces {
            for f in wit.functions(i.id) {
                let prefix = if fcount[&go_name(&f.name)] > 1 { go_name(&iface_name(i.id)) } else { String::new() };
                functions.insert((i.id, f.name.clone()), format!("{prefix}{}", go_name(&f.name)));
            }
        }
        let names = Names { types, errors, functions };
        names.check_unique(wit)?;
        Ok(names)
    }

    /// Fails when two generated names (or a generated and a hand-written one) are the same.
    fn check_unique(&self, wit: &Wit) -> Result<()> {
        let mut seen: BTreeMap<String, String> =
            HAND_WRITTEN.iter().map(|n| (n.to_string(), "a hand-written name".to_string())).collect();
        let mut add = |name: String, what: String| -> Result<()> {
            if let Some(before) = seen.insert(name.clone(), what.clone()) {
                bail!("the Go generator would name both {before} and {what} `{name}`");
            }
            Ok(())
        };
        for (id, name) in &self.types {
            let def = &wit.resolve.types[*id];
            let wit_name = def.name.clone().unwrap_or_default();
            add(name.clone(), format!("type {wit_name}"))?;
            match &def.kind {
                TypeDefKind::Enum(e) => {
                    for c in &e.cases {
                        add(format!("{name}{}", go_name(&c.name)), format!("{wit_name}.{}", c.name))?;
                    }
                }
                TypeDefKind::Variant(v) => {
                    for c in &v.cases {
                        add(format!("{name}{}", go_name(&c.name)), format!("{wit_name}.{}", c.name))?;
                    }
                }
                _ => {}
            }
        }
        for (id, (family, cases)) in &self.errors {
            let wit_name = wit.resolve.types[*id].name.clone().unwrap_or_default();
            add(family.clone(), format!("error type {wit_name}"))?;
            for c in cases {
                add(c.clone(), format!("a case of {wit_name}"))?;
            }
        }
        for ((_, wit_name), name) in &self.functions {
            add(name.clone(), format!("function {wit_name}"))?;
        }
        Ok(())
    }
}

/// Adds `ty` and every named type inside it to `seen`.
fn reach(wit: &Wit, ty: &Type, seen: &mut BTreeSet<TypeId>) {
    if let Type::Id(id) = ty {
        let id = wit.resolve_alias(*id);
        if seen.insert(id) {
            reach_inside(wit, id, seen);
        }
    }
}

/// Adds every named type inside `id` (not `id` itself) to `seen`.
fn reach_inside(wit: &Wit, id: TypeId, seen: &mut BTreeSet<TypeId>) {
    match &wit.resolve.types[id].kind {
        TypeDefKind::Type(t) | TypeDefKind::Option(t) | TypeDefKind::List(t) => reach(wit, t, seen),
        TypeDefKind::Record(r) => r.fields.iter().for_each(|f| reach(wit, &f.ty, seen)),
        TypeDefKind::Variant(v) => v.cases.iter().filter_map(|c| c.ty.as_ref()).for_each(|t| reach(wit, t, seen)),
        TypeDefKind::Result(r) => r.ok.iter().chain(r.err.iter()).for_each(|t| reach(wit, t, seen)),
        TypeDefKind::Tuple(t) => t.types.iter().for_each(|t| reach(wit, t, seen)),
        _ => {}
    }
}

/// How a type appears in Go.
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// A value type (numbers, string, struct, enum, slice, pointer).
    Value,
    /// A Go interface (a variant or an error family): nil is its absence.
    Interface,
}

struct FileGen<'a> {
    wit: &'a Wit,
    names: &'a Names,
    iface: InterfaceId,
    iface_name: &'a str,
    types: String,
    functions: String,
    /// The shared helpers (gen_lowering.go), by name.
    helpers: &'a mut BTreeMap<String, String>,
    imports: BTreeSet<&'static str>,
    counter: usize,
    /// (WIT "interface.function", Go function name) of every export.
    wrappers: Vec<(String, String)>,
}

impl<'a> FileGen<'a> {
    fn new(
        wit: &'a Wit,
        names: &'a Names,
        iface: InterfaceId,
        iface_name: &'a str,
        helpers: &'a mut BTreeMap<String, String>,
    ) -> Self {
        FileGen {
            wit,
            names,
            iface,
            iface_name,
            types: String::new(),
            functions: String::new(),
            helpers,
            imports: BTreeSet::new(),
            counter: 0,
            wrappers: Vec::new(),
        }
    }

    fn fresh(&mut self, stem: &str) -> String {
        self.counter += 1;
        format!("{stem}{}", self.counter)
    }

    fn def(&self, id: TypeId) -> &'a wit_parser::TypeDef {
        &self.wit.resolve.types[self.wit.resolve_alias(id)]
    }

    fn wit_name(&self, id: TypeId) -> String {
        let id = self.wit.resolve_alias(id);
        let owner = self.wit.owner(id).map(|o| self.wit.resolve.interfaces[o].name.clone().unwrap_or_default());
        format!("{}.{}", owner.unwrap_or_default(), self.def(id).name.clone().unwrap_or_default())
    }

    fn run(&mut self, exports: &mut Vec<String>) -> Result<()> {
        for (_, id) in self.wit.own_types(self.iface) {
            self.declare(id)?;
        }
        if self.wit.is_exported(self.iface) {
            for f in self.wit.functions(self.iface) {
                self.function(f, exports)?;
            }
        }
        Ok(())
    }

    // ------------------------------------------------------------------ types

    fn go_type(&mut self, ty: &Type) -> Result<String> {
        Ok(match ty {
            Type::Bool => "bool".into(),
            Type::U8 => "uint8".into(),
            Type::U16 => "uint16".into(),
            Type::U32 => "uint32".into(),
            Type::U64 => "uint64".into(),
            Type::S8 => "int8".into(),
            Type::S16 => "int16".into(),
            Type::S32 => "int32".into(),
            Type::S64 => "int64".into(),
            Type::F32 => "float32".into(),
            Type::F64 => "float64".into(),
            Type::String => "string".into(),
            Type::Char | Type::ErrorContext => bail!("the Go generator does not support WIT {ty:?}"),
            Type::Id(id) => {
                let id = self.wit.resolve_alias(*id);
                if let Some((family, _)) = self.names.errors.get(&id) {
                    if !matches!(self.def(id).kind, TypeDefKind::Enum(_)) {
                        return Ok(family.clone());
                    }
                }
                if let Some(name) = self.names.types.get(&id) {
                    return Ok(name.clone());
                }
                match &self.def(id).kind {
                    TypeDefKind::Option(t) => {
                        let inner = self.go_type(t)?;
                        if self.shape(t) == Shape::Interface {
                            inner
                        } else {
                            format!("*{inner}")
                        }
                    }
                    TypeDefKind::List(Type::U8) => "[]byte".into(),
                    TypeDefKind::List(t) => format!("[]{}", self.go_type(t)?),
                    other => bail!("the Go generator does not support WIT {} types here", other.as_str()),
                }
            }
        })
    }

    fn shape(&self, ty: &Type) -> Shape {
        match ty {
            Type::Id(id) => match &self.def(*id).kind {
                TypeDefKind::Variant(_) => Shape::Interface,
                _ => Shape::Value,
            },
            _ => Shape::Value,
        }
    }

    fn is_error_family(&self, id: TypeId) -> bool {
        let id = self.wit.resolve_alias(id);
        self.names.errors.contains_key(&id)
    }

    fn doc_comment(&self, lines: &[&str], indent: &str) -> String {
        let mut s = String::new();
        for l in lines {
            if l.trim().is_empty() {
                writeln!(s, "{indent}//").unwrap();
            } else {
                writeln!(s, "{indent}// {}", l.trim_end()).unwrap();
            }
        }
        s
    }

    fn declare(&mut self, id: TypeId) -> Result<()> {
        let def = self.def(id);
        let wit_name = def.name.clone().unwrap_or_default();
        let docs = doc_lines(&def.docs);
        if let Some((family, cases)) = self.names.errors.get(&id).cloned() {
            self.declare_error(id, &family, &cases)?;
        }
        let Some(name) = self.names.types.get(&id).cloned() else { return Ok(()) };
        let mut s = String::new();
        writeln!(s, "// {name} is WIT {}.{wit_name}.", self.iface_name).unwrap();
        if !docs.is_empty() {
            s.push_str("//\n");
            s.push_str(&self.doc_comment(&docs, ""));
        }
        match &def.kind {
            TypeDefKind::Record(r) => {
                writeln!(s, "type {name} struct {{").unwrap();
                for f in &r.fields {
                    s.push_str(&self.doc_comment(&doc_lines(&f.docs), "\t"));
                    let ty = if is_now(&f.name, &f.ty) {
                        self.imports.insert("time");
                        s.push_str("\t// The zero time means the current time.\n");
                        "time.Time".to_string()
                    } else {
                        self.go_type(&f.ty)?
                    };
                    writeln!(s, "\t{} {ty}", go_name(&f.name)).unwrap();
                }
                s.push_str("}\n\n");
                let secrets: Vec<&str> =
                    r.fields.iter().filter(|f| holds_secret(&f.name)).map(|f| f.name.as_str()).collect();
                if !secrets.is_empty() {
                    self.imports.insert("fmt");
                    let shown: Vec<String> = r
                        .fields
                        .iter()
                        .map(|f| {
                            if holds_secret(&f.name) {
                                format!("{}:[redacted]", go_name(&f.name))
                            } else {
                                format!("{}:%+v", go_name(&f.name))
                            }
                        })
                        .collect();
                    let args: Vec<String> = r
                        .fields
                        .iter()
                        .filter(|f| !holds_secret(&f.name))
                        .map(|f| format!(", v.{}", go_name(&f.name)))
                        .collect();
                    writeln!(
                        s,
                        "// String shows the record with its secret material ({}) redacted; the fields stay readable.\nfunc (v {name}) String() string {{\n\treturn fmt.Sprintf(\"{{{}}}\"{})\n}}\n",
                        secrets.join(", "),
                        shown.join(" "),
                        args.join("")
                    )
                    .unwrap();
                    writeln!(s, "// GoString is String, so %#v redacts too.\nfunc (v {name}) GoString() string {{ return \"paywit.{name}\" + v.String() }}\n").unwrap();
                    writeln!(s, "// Format redacts for every verb (%d, %x, ...), not only those that call String.\nfunc (v {name}) Format(f fmt.State, verb rune) {{ redactedFormat(f, verb, v) }}\n").unwrap();
                    writeln!(s, "// LogValue is String, so log/slog (text or JSON) never logs the secret; encoding/json,\n// which is how a record is stored, keeps every field.\nfunc (v {name}) LogValue() slog.Value {{ return slog.StringValue(v.String()) }}\n").unwrap();
                }
            }
            TypeDefKind::Enum(e) => {
                let int = if e.cases.len() <= 256 { "uint8" } else { "uint16" };
                writeln!(s, "type {name} {int}\n\n// The cases of {name}, in WIT order.\nconst (").unwrap();
                for (i, c) in e.cases.iter().enumerate() {
                    s.push_str(&self.doc_comment(&doc_lines(&c.docs), "\t"));
                    if i == 0 {
                        writeln!(s, "\t{name}{} {name} = iota", go_name(&c.name)).unwrap();
                    } else {
                        writeln!(s, "\t{name}{}", go_name(&c.name)).unwrap();
                    }
                }
                s.push_str(")\n\n");
                let list: Vec<String> = e.cases.iter().map(|c| format!("{:?}", c.name)).collect();
                let table = format!("names{name}");
                writeln!(s, "var {table} = [...]string{{{}}}\n", list.join(", ")).unwrap();
                self.imports.insert("strconv");
                writeln!(
                    s,
                    "// String is the WIT case name (\"{}\").\nfunc (v {name}) String() string {{\n\tif int(v) < len({table}) {{\n\t\treturn {table}[v]\n\t}}\n\treturn \"{name}(\" + strconv.Itoa(int(v)) + \")\"\n}}\n",
                    e.cases[0].name
                )
                .unwrap();
                writeln!(
                    s,
                    "// MarshalText is the WIT case name (JSON encodes {name} as its case name).\nfunc (v {name}) MarshalText() ([]byte, error) {{\n\tif int(v) >= len({table}) {{\n\t\treturn nil, invalidArg(\"not a {wit_name} case\")\n\t}}\n\treturn []byte({table}[v]), nil\n}}\n"
                )
                .unwrap();
                writeln!(
                    s,
                    "// UnmarshalText reads a WIT case name.\nfunc (v *{name}) UnmarshalText(text []byte) error {{\n\tfor i, n := range {table} {{\n\t\tif n == string(text) {{\n\t\t\t*v = {name}(i)\n\t\t\treturn nil\n\t\t}}\n\t}}\n\treturn invalidArg(\"must be a {wit_name} case\")\n}}\n"
                )
                .unwrap();
            }
            TypeDefKind::Variant(v) => {
                self.deref_helper(&name)?;
                self.case_helper(id, &name)?;
                let marker = format!("is{name}");
                writeln!(s, "//\n// Its cases are the types {name}<Case>; a nil {name} is never valid.\ntype {name} interface {{\n\t{marker}()\n\t// CaseName is the case's WIT name (\"{}\").\n\tCaseName() string\n}}\n", v.cases[0].name).unwrap();
                for c in &v.cases {
                    let case = format!("{name}{}", go_name(&c.name));
                    writeln!(s, "// {case} is the case {wit_name}.{}.", c.name).unwrap();
                    let docs = doc_lines(&c.docs);
                    if !docs.is_empty() {
                        s.push_str("//\n");
                        s.push_str(&self.doc_comment(&docs, ""));
                    }
                    match &c.ty {
                        Some(t) => {
                            let gt = self.go_type(t)?;
                            writeln!(s, "type {case} struct {{\n\tValue {gt}\n}}\n").unwrap();
                        }
                        None => writeln!(s, "type {case} struct{{}}\n").unwrap(),
                    }
                    writeln!(s, "func ({case}) {marker}() {{}}\n").unwrap();
                    writeln!(
                        s,
                        "// CaseName is {:?}.\nfunc ({case}) CaseName() string {{ return {:?} }}\n",
                        c.name, c.name
                    )
                    .unwrap();
                }
            }
            other => bail!("the Go generator does not support WIT {} types ({wit_name})", other.as_str()),
        }
        self.types.push_str(&s);
        Ok(())
    }

    fn declare_error(&mut self, id: TypeId, family: &str, cases: &[String]) -> Result<()> {
        let def = self.def(id);
        let wit_name = def.name.clone().unwrap_or_default();
        let marker = format!("is{family}");
        let mut s = String::new();
        writeln!(
            s,
            "// {family} is any error of WIT {}.{wit_name}: one pointer type per case,\n// such as *{}, which errors.As finds.",
            self.iface_name, cases[0]
        )
        .unwrap();
        let docs = doc_lines(&def.docs);
        if !docs.is_empty() {
            s.push_str("//\n");
            s.push_str(&self.doc_comment(&docs, ""));
        }
        writeln!(s, "type {family} interface {{\n\tError\n\t{marker}()\n}}\n").unwrap();
        let wit_cases: Vec<(String, Option<Type>, Vec<&str>)> = match &def.kind {
            TypeDefKind::Variant(v) => v.cases.iter().map(|c| (c.name.clone(), c.ty, doc_lines(&c.docs))).collect(),
            TypeDefKind::Enum(e) => e.cases.iter().map(|c| (c.name.clone(), None, doc_lines(&c.docs))).collect(),
            _ => unreachable!(),
        };
        for ((case_name, ty, docs), go) in wit_cases.iter().zip(cases) {
            writeln!(s, "// {go} is the error {wit_name}.{case_name}.").unwrap();
            if !docs.is_empty() {
                s.push_str("//\n");
                s.push_str(&self.doc_comment(docs, ""));
            }
            match ty {
                Some(t) => {
                    let gt = self.go_type(t)?;
                    writeln!(s, "type {go} struct {{\n\t// Details is the case's payload.\n\tDetails {gt}\n}}\n")
                        .unwrap();
                    writeln!(
                        s,
                        "// Error is the message: the WIT error type, case and details.\nfunc (e *{go}) Error() string {{ return errorText({wit_name:?}, {case_name:?}, e.Details) }}"
                    )
                    .unwrap();
                }
                None => {
                    writeln!(s, "type {go} struct{{}}\n").unwrap();
                    writeln!(
                        s,
                        "// Error is the message: the WIT error type and case.\nfunc (e *{go}) Error() string {{ return errorText({wit_name:?}, {case_name:?}, nil) }}"
                    )
                    .unwrap();
                }
            }
            writeln!(s, "\n// Code is {case_name:?}.\nfunc (e *{go}) Code() string {{ return {case_name:?} }}\n")
                .unwrap();
            writeln!(s, "func (e *{go}) {marker}() {{}}\n").unwrap();
        }
        self.types.push_str(&s);
        Ok(())
    }

    // ------------------------------------------------------------------ checks

    /// Whether a value of `ty` can be out of its WIT type in Go (a string that is not UTF-8, an
    /// enum out of range, a nil variant), so it needs a check before lowering.
    fn needs_check(&self, ty: &Type) -> bool {
        match ty {
            Type::String => true,
            Type::Id(id) => match &self.def(*id).kind {
                TypeDefKind::Type(t) | TypeDefKind::Option(t) | TypeDefKind::List(t) => self.needs_check(t),
                TypeDefKind::Record(r) => r.fields.iter().any(|f| !is_now(&f.name, &f.ty) && self.needs_check(&f.ty)),
                TypeDefKind::Enum(_) | TypeDefKind::Variant(_) => true,
                _ => false,
            },
            _ => false,
        }
    }

    /// Statements checking `v` (of `ty`); on failure they `return` an *InvalidArgumentError
    /// whose path starts with `seg` (a Go string expression).
    fn check(&mut self, ty: &Type, v: &str, seg: &str) -> Result<String> {
        if !self.needs_check(ty) {
            return Ok(String::new());
        }
        Ok(match ty {
            Type::String => {
                self.imports.insert("unicode/utf8");
                format!(
                    "if !utf8.ValidString({v}) {{\n\treturn invalidArg(\"must be valid UTF-8\").within({seg})\n}}\n"
                )
            }
            Type::Id(id) => {
                let id = self.wit.resolve_alias(*id);
                let def = self.def(id);
                match &def.kind {
                    TypeDefKind::Type(t) => self.check(t, v, seg)?,
                    TypeDefKind::Record(_) | TypeDefKind::Enum(_) | TypeDefKind::Variant(_) => {
                        if self.is_error_family(id) && !matches!(def.kind, TypeDefKind::Enum(_)) {
                            bail!("the Go generator does not lower an error type ({})", self.wit_name(id));
                        }
                        let h = self.check_helper(id)?;
                        let arg =
                            if matches!(def.kind, TypeDefKind::Record(_)) { format!("&{v}") } else { v.to_string() };
                        format!("if e := {h}({arg}); e != nil {{\n\treturn e.within({seg})\n}}\n")
                    }
                    TypeDefKind::Option(t) => {
                        if self.shape(t) == Shape::Interface {
                            let inner = self.check(t, v, seg)?;
                            format!("if {v} != nil {{\n{}}}\n", indent(&inner))
                        } else {
                            let inner = self.check(t, &format!("(*{v})"), seg)?;
                            format!("if {v} != nil {{\n{}}}\n", indent(&inner))
                        }
                    }
                    TypeDefKind::List(t) => {
                        let i = self.fresh("i");
                        let inner = self.check(t, &format!("{v}[{i}]"), &format!("{seg} + indexSegment({i})"))?;
                        format!("for {i} := range {v} {{\n{}}}\n", indent(&inner))
                    }
                    other => bail!("the Go generator does not check WIT {} types", other.as_str()),
                }
            }
            _ => String::new(),
        })
    }

    /// Claims the helper `h` for generation: false when it exists (or is being generated: a
    /// placeholder is inserted first, so a recursive use ends).
    fn claim(&mut self, h: &str) -> bool {
        if self.helpers.contains_key(h) {
            return false;
        }
        self.helpers.insert(h.to_string(), String::new());
        true
    }

    /// The name of the check function of a named type (generated on first use).
    fn check_helper(&mut self, id: TypeId) -> Result<String> {
        let name = self.go_type(&Type::Id(id))?;
        let h = format!("check{name}");
        if !self.claim(&h) {
            return Ok(h);
        }
        let def = self.def(id);
        let mut s = String::new();
        match &def.kind {
            TypeDefKind::Record(r) => {
                writeln!(s, "func {h}(v *{name}) *InvalidArgumentError {{").unwrap();
                for f in &r.fields {
                    if is_now(&f.name, &f.ty) {
                        continue;
                    }
                    s.push_str(&indent(&self.check(
                        &f.ty,
                        &format!("v.{}", go_name(&f.name)),
                        &format!("{:?}", go_name(&f.name)),
                    )?));
                }
            }
            TypeDefKind::Enum(e) => {
                let list: Vec<&str> = e.cases.iter().map(|c| c.name.as_str()).collect();
                writeln!(
                    s,
                    "func {h}(v {name}) *InvalidArgumentError {{\n\tif int(v) >= {} {{\n\t\treturn invalidArg(\"must be one of the {name} constants ({})\")\n\t}}",
                    e.cases.len(),
                    list.join(", ")
                )
                .unwrap();
            }
            TypeDefKind::Variant(var) => {
                writeln!(s, "func {h}(v {name}) *InvalidArgumentError {{\n\tswitch x := v.(type) {{\n\tcase nil:\n\t\treturn invalidArg(\"must be one of the {name} case types, not nil\")").unwrap();
                for c in &var.cases {
                    let case = format!("{name}{}", go_name(&c.name));
                    writeln!(s, "\tcase *{case}:\n\t\tif x == nil {{\n\t\t\treturn invalidArg(\"must not be a nil *{case}\")\n\t\t}}\n\t\treturn {h}(*x)").unwrap();
                    if let Some(t) = &c.ty {
                        let inner = self.check(t, "x.Value", "\"Value\"")?;
                        if !inner.is_empty() {
                            writeln!(s, "\tcase {case}:\n{}", indent(&indent(&inner))).unwrap();
                        }
                    }
                }
                s.push_str("\t}\n");
            }
            other => bail!("the Go generator does not check WIT {} types", other.as_str()),
        }
        s.push_str("\treturn nil\n}\n");
        self.helpers.insert(h.clone(), s);
        Ok(h)
    }

    // ------------------------------------------------------------------ store (lower into memory)

    /// Statements writing `v` (checked) at guest address `a` (a uint32 expression).
    fn store(&mut self, ty: &Type, v: &str, a: &str) -> Result<String> {
        Ok(match ty {
            Type::Bool => format!("m.putU8({a}, b2u8({v}))\n"),
            Type::U8 | Type::S8 => format!("m.putU8({a}, uint8({v}))\n"),
            Type::U16 | Type::S16 => format!("m.putU16({a}, uint16({v}))\n"),
            Type::U32 | Type::S32 => format!("m.putU32({a}, uint32({v}))\n"),
            Type::U64 | Type::S64 => format!("m.putU64({a}, uint64({v}))\n"),
            Type::F32 => {
                self.imports.insert("math");
                format!("m.putU32({a}, math.Float32bits({v}))\n")
            }
            Type::F64 => {
                self.imports.insert("math");
                format!("m.putU64({a}, math.Float64bits({v}))\n")
            }
            Type::String => {
                let (p, n) = (self.fresh("p"), self.fresh("n"));
                format!("{p}, {n} := m.str({v})\nm.putU32({a}, {p})\nm.putU32({a}+4, {n})\n")
            }
            Type::Char | Type::ErrorContext => bail!("the Go generator does not support WIT {ty:?}"),
            Type::Id(id) => {
                let id = self.wit.resolve_alias(*id);
                let def = self.def(id);
                match &def.kind {
                    TypeDefKind::Type(t) => self.store(t, v, a)?,
                    TypeDefKind::Record(_) | TypeDefKind::Enum(_) | TypeDefKind::Variant(_) => {
                        let h = self.store_helper(id)?;
                        let arg =
                            if matches!(def.kind, TypeDefKind::Record(_)) { format!("&{v}") } else { v.to_string() };
                        format!("{h}(m, {arg}, {a})\n")
                    }
                    TypeDefKind::Option(t) => {
                        let off = self.wit.payload_offset(Int::U8, [None, Some(t)]);
                        let deref = if self.shape(t) == Shape::Interface { v.to_string() } else { format!("(*{v})") };
                        let inner = self.store(t, &deref, &format!("{a}+{off}"))?;
                        format!(
                            "if {v} == nil {{\n\tm.putU8({a}, 0)\n}} else {{\n\tm.putU8({a}, 1)\n{}}}\n",
                            indent(&inner)
                        )
                    }
                    TypeDefKind::List(Type::U8) => {
                        let (p, n) = (self.fresh("p"), self.fresh("n"));
                        format!("{p}, {n} := m.bytes({v})\nm.putU32({a}, {p})\nm.putU32({a}+4, {n})\n")
                    }
                    TypeDefKind::List(t) => {
                        let (p, code) = self.store_list(t, v)?;
                        format!("{code}m.putU32({a}, {p})\nm.putU32({a}+4, uint32(len({v})))\n")
                    }
                    other => bail!("the Go generator does not lower WIT {} types", other.as_str()),
                }
            }
        })
    }

    /// Statements copying the list `v` of `t` into a fresh guest block; returns the pointer's name.
    fn store_list(&mut self, t: &Type, v: &str) -> Result<(String, String)> {
        let size = self.wit.size(t);
        let align = self.wit.align(t);
        let p = self.fresh("p");
        let i = self.fresh("i");
        let inner = self.store(t, &format!("{v}[{i}]"), &format!("{p}+uint32({i})*{size}"))?;
        Ok((
            p.clone(),
            format!("{p} := m.allocArray(len({v}), {size}, {align})\nfor {i} := range {v} {{\n{}}}\n", indent(&inner)),
        ))
    }

    fn store_helper(&mut self, id: TypeId) -> Result<String> {
        let name = self.go_type(&Type::Id(id))?;
        let h = format!("store{name}");
        if !self.claim(&h) {
            return Ok(h);
        }
        let def = self.def(id);
        let mut s = String::new();
        match &def.kind {
            TypeDefKind::Record(r) => {
                writeln!(s, "func {h}(m *instance, v *{name}, a uint32) {{").unwrap();
                let types: Vec<&Type> = r.fields.iter().map(|f| &f.ty).collect();
                let offsets = self.wit.field_offsets(types);
                for (f, off) in r.fields.iter().zip(offsets) {
                    let field = format!("v.{}", go_name(&f.name));
                    if is_now(&f.name, &f.ty) {
                        writeln!(s, "\tm.putU64(a+{off}, uint64(unixOrNow({field})))").unwrap();
                    } else {
                        s.push_str(&indent(&self.store(&f.ty, &field, &format!("a+{off}"))?));
                    }
                }
            }
            TypeDefKind::Enum(e) => {
                writeln!(s, "func {h}(m *instance, v {name}, a uint32) {{").unwrap();
                s.push_str(&indent(&Self::disc_set(e.tag(), "a", "v")));
            }
            TypeDefKind::Variant(var) => {
                let tag = var.tag();
                let off = self.wit.payload_offset(tag, var.cases.iter().map(|c| c.ty.as_ref()));
                writeln!(s, "func {h}(m *instance, v {name}, a uint32) {{\n\tswitch x := v.(type) {{").unwrap();
                for (i, c) in var.cases.iter().enumerate() {
                    let case = format!("{name}{}", go_name(&c.name));
                    writeln!(s, "\tcase *{case}:\n\t\t{h}(m, *x, a)").unwrap();
                    writeln!(s, "\tcase {case}:").unwrap();
                    s.push_str(&indent(&indent(&Self::disc_set(tag, "a", &i.to_string()))));
                    if let Some(t) = &c.ty {
                        s.push_str(&indent(&indent(&self.store(t, "x.Value", &format!("a+{off}"))?)));
                    } else {
                        s.push_str("\t\t_ = x\n");
                    }
                }
                s.push_str("\t}\n");
            }
            other => bail!("the Go generator does not lower WIT {} types", other.as_str()),
        }
        s.push_str("}\n");
        self.helpers.insert(h.clone(), s);
        Ok(h)
    }

    fn disc_set(tag: Int, a: &str, value: &str) -> String {
        match tag {
            Int::U8 => format!("m.putU8({a}, uint8({value}))\n"),
            Int::U16 => format!("m.putU16({a}, uint16({value}))\n"),
            Int::U32 => format!("m.putU32({a}, uint32({value}))\n"),
            Int::U64 => format!("m.putU64({a}, uint64({value}))\n"),
        }
    }

    fn disc_get(tag: Int, a: &str) -> String {
        match tag {
            Int::U8 => format!("uint32(m.getU8({a}))"),
            Int::U16 => format!("uint32(m.getU16({a}))"),
            Int::U32 => format!("m.getU32({a})"),
            Int::U64 => format!("uint32(m.getU64({a}))"),
        }
    }

    // ------------------------------------------------------------------ flat lowering

    /// Statements lowering `v` (checked) to flat core values, and each value's uint64 expression
    /// (the call stack's encoding: i32 zero-extended, floats as their bits).
    fn lower_flat(&mut self, ty: &Type, v: &str, now: bool) -> Result<(String, Vec<String>)> {
        if now {
            return Ok((String::new(), vec![format!("uint64(unixOrNow({v}))")]));
        }
        Ok(match ty {
            Type::Bool => (String::new(), vec![format!("uint64(b2u8({v}))")]),
            Type::U8 | Type::U16 | Type::U32 | Type::U64 | Type::S64 => (String::new(), vec![format!("uint64({v})")]),
            Type::S8 | Type::S16 | Type::S32 => (String::new(), vec![format!("uint64(uint32({v}))")]),
            Type::F32 => {
                self.imports.insert("math");
                (String::new(), vec![format!("uint64(math.Float32bits({v}))")])
            }
            Type::F64 => {
                self.imports.insert("math");
                (String::new(), vec![format!("math.Float64bits({v})")])
            }
            Type::String => {
                let (p, n) = (self.fresh("p"), self.fresh("n"));
                (format!("{p}, {n} := m.str({v})\n"), vec![format!("uint64({p})"), format!("uint64({n})")])
            }
            Type::Char | Type::ErrorContext => bail!("the Go generator does not support WIT {ty:?}"),
            Type::Id(id) => {
                let id = self.wit.resolve_alias(*id);
                let def = self.def(id);
                match &def.kind {
                    TypeDefKind::Type(t) => self.lower_flat(t, v, false)?,
                    TypeDefKind::Record(r) => {
                        let mut code = String::new();
                        let mut out = Vec::new();
                        for f in &r.fields {
                            let (c, e) =
                                self.lower_flat(&f.ty, &format!("{v}.{}", go_name(&f.name)), is_now(&f.name, &f.ty))?;
                            code.push_str(&c);
                            out.extend(e);
                        }
                        (code, out)
                    }
                    TypeDefKind::Enum(_) => (String::new(), vec![format!("uint64({v})")]),
                    TypeDefKind::List(Type::U8) => {
                        let (p, n) = (self.fresh("p"), self.fresh("n"));
                        (format!("{p}, {n} := m.bytes({v})\n"), vec![format!("uint64({p})"), format!("uint64({n})")])
                    }
                    TypeDefKind::List(t) => {
                        let (p, code) = self.store_list(t, v)?;
                        (code, vec![format!("uint64({p})"), format!("uint64(len({v}))")])
                    }
                    TypeDefKind::Option(t) => {
                        let interface = self.shape(t) == Shape::Interface;
                        let payload = if interface { v.to_string() } else { format!("(*{v})") };
                        self.lower_flat_cases(
                            ty,
                            &[(format!("{v} == nil"), None), ("true".into(), Some((*t, payload)))],
                        )?
                    }
                    TypeDefKind::Variant(var) => {
                        let name = self.go_type(&Type::Id(id))?;
                        // Pointers to cases are read as their values first.
                        let x = self.fresh("x");
                        let mut cases = Vec::new();
                        for c in &var.cases {
                            let case = format!("{name}{}", go_name(&c.name));
                            let payload = c.ty.map(|t| (t, format!("{x}.(({case})).Value")));
                            cases.push((format!("case {case}"), payload));
                        }
                        let (code, vars) = self.lower_flat_variant(ty, v, &x, &name, &cases)?;
                        (code, vars)
                    }
                    other => bail!("the Go generator does not lower WIT {} types", other.as_str()),
                }
            }
        })
    }

    /// Flat lowering of an option: the joined slots, filled per case. `cases` are (condition,
    /// payload type and expression).
    fn lower_flat_cases(
        &mut self,
        ty: &Type,
        cases: &[(String, Option<(Type, String)>)],
    ) -> Result<(String, Vec<String>)> {
        let (vars, mut code) = self.joined_slots(ty)?;
        for (k, (cond, payload)) in cases.iter().enumerate() {
            let b = self.fill_slots(&vars, k, payload)?;
            let keyword = if k == 0 { "if" } else { "} else if" };
            if k + 1 == cases.len() && k > 0 {
                write!(code, "}} else {{\n{}", indent(&b)).unwrap();
            } else {
                write!(code, "{keyword} {cond} {{\n{}", indent(&b)).unwrap();
            }
        }
        code.push_str("}\n");
        self.touch(&vars, &mut code);
        Ok((code, vars))
    }

    /// The joined flat slots of a variant or option `ty`: their names, and their declaration.
    fn joined_slots(&mut self, ty: &Type) -> Result<(Vec<String>, String)> {
        let joined = self.wit.flat(ty).context("a type of more than 16 flat values is never lowered flat")?;
        let vars: Vec<String> = joined.iter().map(|_| self.fresh("j")).collect();
        Ok((vars.clone(), format!("var {} uint64\n", vars.join(", "))))
    }

    /// Statements filling the joined slots for case `k`: its index, then its payload's flat
    /// values (the call stack's uint64 encoding makes every join a plain assignment).
    fn fill_slots(&mut self, vars: &[String], k: usize, payload: &Option<(Type, String)>) -> Result<String> {
        let mut b = format!("{} = {k}\n", vars[0]);
        if let Some((t, value)) = payload {
            let (c, exprs) = self.lower_flat(t, value, false)?;
            b.push_str(&c);
            for (i, e) in exprs.iter().enumerate() {
                writeln!(b, "{} = {e}", vars[i + 1]).unwrap();
            }
        }
        Ok(b)
    }

    /// Flat lowering of a variant: a type switch over its case types (pointers read first).
    fn lower_flat_variant(
        &mut self,
        ty: &Type,
        v: &str,
        x: &str,
        name: &str,
        cases: &[(String, Option<(Type, String)>)],
    ) -> Result<(String, Vec<String>)> {
        let (vars, mut code) = self.joined_slots(ty)?;
        writeln!(code, "{x} := deref{name}({v})\nswitch {x}.(type) {{").unwrap();
        self.deref_helper(name)?;
        for (k, (case, payload)) in cases.iter().enumerate() {
            let b = self.fill_slots(&vars, k, payload)?;
            write!(code, "{case}:\n{}", indent(&b)).unwrap();
        }
        code.push_str("}\n");
        self.touch(&vars, &mut code);
        Ok((code, vars))
    }

    /// `deref<Variant>`: a variant value with a pointer case read as its value.
    fn deref_helper(&mut self, name: &str) -> Result<()> {
        let h = format!("deref{name}");
        if self.helpers.contains_key(&h) {
            return Ok(());
        }
        let id = self
            .names
            .types
            .iter()
            .find(|(_, n)| n.as_str() == name)
            .map(|(id, _)| *id)
            .context("deref of an unknown variant")?;
        let TypeDefKind::Variant(var) = &self.def(id).kind else { bail!("{name} is not a variant") };
        let mut s = format!("func {h}(v {name}) {name} {{\n\tswitch x := v.(type) {{\n");
        for c in &var.cases {
            let case = format!("{name}{}", go_name(&c.name));
            writeln!(s, "\tcase *{case}:\n\t\treturn *x").unwrap();
        }
        s.push_str("\t}\n\treturn v\n}\n");
        self.helpers.insert(h, s);
        Ok(())
    }

    /// `case<Variant>`: a variant value's case index (WIT order); -1 for nil. (Its WIT name is
    /// the value's `CaseName`.)
    fn case_helper(&mut self, id: TypeId, name: &str) -> Result<()> {
        let TypeDefKind::Variant(var) = &self.def(id).kind else { bail!("{name} is not a variant") };
        let mut s = format!("func case{name}(v {name}) int {{\n\tswitch deref{name}(v).(type) {{\n");
        for (i, c) in var.cases.iter().enumerate() {
            writeln!(s, "\tcase {name}{}:\n\t\treturn {i}", go_name(&c.name)).unwrap();
        }
        s.push_str("\t}\n\treturn -1\n}\n");
        self.helpers.insert(format!("case{name}"), s);
        Ok(())
    }

    /// Go refuses unused variables: a joined slot no case writes is read once here.
    fn touch(&self, vars: &[String], code: &mut String) {
        writeln!(code, "_ = {}", vars[0]).unwrap();
    }

    // ------------------------------------------------------------------ lift (from memory)

    /// A Go expression reading a value of `ty` at guest address `a`.
    fn load(&mut self, ty: &Type, a: &str) -> Result<String> {
        Ok(match ty {
            Type::Bool => format!("m.getBool({a})"),
            Type::U8 => format!("m.getU8({a})"),
            Type::S8 => format!("int8(m.getU8({a}))"),
            Type::U16 => format!("m.getU16({a})"),
            Type::S16 => format!("int16(m.getU16({a}))"),
            Type::U32 => format!("m.getU32({a})"),
            Type::S32 => format!("int32(m.getU32({a}))"),
            Type::U64 => format!("m.getU64({a})"),
            Type::S64 => format!("int64(m.getU64({a}))"),
            Type::F32 => {
                self.imports.insert("math");
                format!("math.Float32frombits(m.getU32({a}))")
            }
            Type::F64 => {
                self.imports.insert("math");
                format!("math.Float64frombits(m.getU64({a}))")
            }
            Type::String => format!("m.text(m.getU32({a}), m.getU32({a}+4))"),
            Type::Char | Type::ErrorContext => bail!("the Go generator does not support WIT {ty:?}"),
            Type::Id(id) => {
                let id = self.wit.resolve_alias(*id);
                let def = self.def(id);
                match &def.kind {
                    TypeDefKind::Type(t) => self.load(t, a)?,
                    TypeDefKind::Record(_) | TypeDefKind::Enum(_) | TypeDefKind::Variant(_) => {
                        format!("{}(m, {a})", self.load_helper(id)?)
                    }
                    TypeDefKind::List(Type::U8) => format!("m.copyBytes(m.getU32({a}), m.getU32({a}+4))"),
                    TypeDefKind::Option(_) | TypeDefKind::List(_) => {
                        let gt = self.go_type(ty)?;
                        // Named by kind, not by the Go type: an optional variant's Go type is the
                        // variant's own, whose loader is another function.
                        let h = match &def.kind {
                            TypeDefKind::Option(t) => format!("loadOpt{}", sanitize(&self.go_type(t)?)),
                            TypeDefKind::List(t) => format!("loadList{}", sanitize(&self.go_type(t)?)),
                            _ => unreachable!(),
                        };
                        if self.claim(&h) {
                            let body = match &def.kind {
                                TypeDefKind::Option(t) => {
                                    let off = self.wit.payload_offset(Int::U8, [None, Some(t)]);
                                    let inner = self.load(t, &format!("a+{off}"))?;
                                    let some = if self.shape(t) == Shape::Interface {
                                        format!("return {inner}")
                                    } else {
                                        format!("v := {inner}\n\treturn &v")
                                    };
                                    format!("switch m.getU8(a) {{\n\tcase 0:\n\t\treturn nil\n\tcase 1:\n\tdefault:\n\t\tm.fault(\"returned an option that is neither none nor some\")\n\t}}\n\t{some}")
                                }
                                TypeDefKind::List(t) => {
                                    let size = self.wit.size(t);
                                    let inner = self.load(t, &format!("p+uint32(i)*{size}"))?;
                                    format!("p, n := m.getU32(a), m.getU32(a+4)\n\tif uint64(p)+uint64(n)*{size} > uint64(len(m.mem)) {{\n\t\tm.fault(\"returned a list outside its memory\")\n\t}}\n\tout := make({gt}, n)\n\tfor i := range out {{\n\t\tout[i] = {inner}\n\t}}\n\treturn out")
                                }
                                _ => unreachable!(),
                            };
                            let code = format!("func {h}(m *instance, a uint32) {gt} {{\n\t{body}\n}}\n");
                            self.helpers.insert(h.clone(), code);
                        }
                        format!("{h}(m, {a})")
                    }
                    other => bail!("the Go generator does not lift WIT {} types", other.as_str()),
                }
            }
        })
    }

    fn load_helper(&mut self, id: TypeId) -> Result<String> {
        let def = self.def(id);
        let error = self.names.errors.get(&id).cloned().filter(|_| !matches!(def.kind, TypeDefKind::Enum(_)));
        let name = match &error {
            Some((family, _)) => family.clone(),
            None => self.go_type(&Type::Id(id))?,
        };
        let h = format!("load{name}");
        if !self.claim(&h) {
            return Ok(h);
        }
        let wit_name = self.wit_name(id);
        let mut s = format!("func {h}(m *instance, a uint32) {name} {{\n");
        match &def.kind {
            TypeDefKind::Record(r) => {
                let types: Vec<&Type> = r.fields.iter().map(|f| &f.ty).collect();
                let offsets = self.wit.field_offsets(types);
                writeln!(s, "\treturn {name}{{").unwrap();
                for (f, off) in r.fields.iter().zip(offsets) {
                    let e = if is_now(&f.name, &f.ty) {
                        self.imports.insert("time");
                        format!("time.Unix(int64(m.getU64(a+{off})), 0)")
                    } else {
                        self.load(&f.ty, &format!("a+{off}"))?
                    };
                    writeln!(s, "\t\t{}: {e},", go_name(&f.name)).unwrap();
                }
                s.push_str("\t}\n");
            }
            TypeDefKind::Enum(e) => {
                let get = Self::disc_get(e.tag(), "a");
                writeln!(
                    s,
                    "\tv := {get}\n\tif v >= {} {{\n\t\tm.fault(\"returned an unknown {wit_name} case\")\n\t}}\n\treturn {name}(v)",
                    e.cases.len()
                )
                .unwrap();
            }
            TypeDefKind::Variant(var) => {
                let tag = var.tag();
                let off = self.wit.payload_offset(tag, var.cases.iter().map(|c| c.ty.as_ref()));
                writeln!(s, "\tswitch {} {{", Self::disc_get(tag, "a")).unwrap();
                for (i, c) in var.cases.iter().enumerate() {
                    let (case, field, amp) = match &error {
                        Some((_, cases)) => (cases[i].clone(), "Details", "&"),
                        None => (format!("{name}{}", go_name(&c.name)), "Value", ""),
                    };
                    match &c.ty {
                        Some(t) => {
                            let e = self.load(t, &format!("a+{off}"))?;
                            writeln!(s, "\tcase {i}:\n\t\treturn {amp}{case}{{{field}: {e}}}").unwrap();
                        }
                        None => writeln!(s, "\tcase {i}:\n\t\treturn {amp}{case}{{}}").unwrap(),
                    }
                }
                writeln!(s, "\t}}\n\tm.fault(\"returned an unknown {wit_name} case\")\n\treturn nil").unwrap();
            }
            other => bail!("the Go generator does not lift WIT {} types", other.as_str()),
        }
        s.push_str("}\n");
        self.helpers.insert(h.clone(), s);
        Ok(h)
    }

    /// The error value of an enum error type read at `a`: one pointer type per case.
    fn enum_error_helper(&mut self, id: TypeId) -> Result<String> {
        let (family, cases) = self.names.errors[&id].clone();
        let h = format!("load{family}");
        if self.helpers.contains_key(&h) {
            return Ok(h);
        }
        let TypeDefKind::Enum(e) = &self.def(id).kind else { bail!("not an enum") };
        let wit_name = self.wit_name(id);
        let mut s =
            format!("func {h}(m *instance, a uint32) {family} {{\n\tswitch {} {{\n", Self::disc_get(e.tag(), "a"));
        for (i, case) in cases.iter().enumerate() {
            writeln!(s, "\tcase {i}:\n\t\treturn &{case}{{}}").unwrap();
        }
        writeln!(s, "\t}}\n\tm.fault(\"returned an unknown {wit_name} case\")\n\treturn nil\n}}").unwrap();
        self.helpers.insert(h.clone(), s);
        Ok(h)
    }

    /// A Go expression for the single flat result in `m.stack[0]` of type `ty`.
    fn lift_flat(&mut self, ty: &Type) -> Result<String> {
        let r = "m.stack[0]";
        Ok(match ty {
            Type::Bool => "(uint32(m.stack[0]) != 0)".into(),
            Type::U8 => format!("uint8({r})"),
            Type::U16 => format!("uint16({r})"),
            Type::U32 => format!("uint32({r})"),
            Type::S8 => format!("int8({r})"),
            Type::S16 => format!("int16({r})"),
            Type::S32 => format!("int32({r})"),
            Type::U64 => r.into(),
            Type::S64 => format!("int64({r})"),
            Type::F32 => {
                self.imports.insert("math");
                format!("math.Float32frombits(uint32({r}))")
            }
            Type::F64 => {
                self.imports.insert("math");
                format!("math.Float64frombits({r})")
            }
            Type::Id(id) => {
                let id = self.wit.resolve_alias(*id);
                match &self.def(id).kind {
                    TypeDefKind::Type(t) => self.lift_flat(t)?,
                    TypeDefKind::Enum(e) => {
                        let name = self.go_type(&Type::Id(id))?;
                        let h = format!("lift{name}");
                        if !self.helpers.contains_key(&h) {
                            let wit_name = self.wit_name(id);
                            self.helpers.insert(
                                h.clone(),
                                format!(
                                    "func {h}(m *instance, v uint64) {name} {{\n\tif v >= {} {{\n\t\tm.fault(\"returned an unknown {wit_name} case\")\n\t}}\n\treturn {name}(v)\n}}\n",
                                    e.cases.len()
                                ),
                            );
                        }
                        format!("{h}(m, {r})")
                    }
                    other => bail!("the Go generator does not lift a flat {} result", other.as_str()),
                }
            }
            other => bail!("the Go generator does not lift a flat {other:?} result"),
        })
    }

    // ------------------------------------------------------------------ functions

    fn function(&mut self, f: &Function, exports: &mut Vec<String>) -> Result<()> {
        let name = self.names.functions[&(self.iface, f.name.clone())].clone();
        let sig = self.wit.signature(f);
        let core = self.wit.core_export_name(self.iface, f);
        let post = f.result.as_ref().is_some_and(|t| self.wit.owns_memory(t));
        exports.push(core.clone());
        if post {
            exports.push(format!("cabi_post_{core}"));
        }
        self.wrappers.push((format!("{}.{}", self.iface_name, f.name), name.clone()));

        // The answer: (T, error) or error.
        let (ok_ty, err_id): (Option<Type>, Option<TypeId>) = match &f.result {
            None => (None, None),
            Some(Type::Id(id)) if matches!(self.def(*id).kind, TypeDefKind::Result(_)) => {
                let TypeDefKind::Result(r) = &self.def(*id).kind else { unreachable!() };
                let err = match r.err {
                    Some(Type::Id(e)) => self.wit.resolve_alias(e),
                    _ => bail!("{}: a function's error type must be a named variant or enum", f.name),
                };
                (r.ok, Some(err))
            }
            Some(t) => (Some(*t), None),
        };
        let ok_go = match &ok_ty {
            Some(t) => Some(self.go_type(t)?),
            None => None,
        };

        let mut params = Vec::new();
        for p in &f.params {
            let ty = if is_now(&p.name, &p.ty) {
                self.imports.insert("time");
                "time.Time".to_string()
            } else {
                self.go_type(&p.ty)?
            };
            params.push(format!("{} {ty}", param_name(&p.name)));
        }
        let results = match &ok_go {
            Some(t) => format!("(out {t}, err error)"),
            None => "(err error)".into(),
        };

        let mut s = String::new();
        writeln!(s, "// {name} is WIT {}.{}.", self.iface_name, f.name).unwrap();
        let docs = doc_lines(&f.docs);
        if !docs.is_empty() {
            s.push_str("//\n");
            s.push_str(&self.doc_comment(&docs, ""));
        }
        if f.params.iter().any(|p| is_now(&p.name, &p.ty)) {
            s.push_str("//\n// The zero now means the current time.\n");
        }
        if let Some(e) = err_id {
            let family = self.names.errors[&e].0.clone();
            writeln!(s, "//\n// The component's refusal is a {family} (errors.As finds each case's type);").unwrap();
        } else {
            s.push_str("//\n");
        }
        s.push_str("// an argument outside its WIT type is an *InvalidArgumentError, before anything reaches\n// the component; a *GuestFault means the component misbehaved (the next call gets a fresh instance).\n");
        writeln!(s, "func {name}({}) {results} {{", params.join(", ")).unwrap();

        // Checks first: nothing is copied into the guest for a bad argument.
        for p in &f.params {
            if is_now(&p.name, &p.ty) {
                continue;
            }
            let v = param_name(&p.name);
            let c = self.check(&p.ty, &v, &format!("{:?}", v))?;
            s.push_str(&indent(
                &c.replace("return invalidArg", "return out0, invalidArg")
                    .replace("return e.within", "return out0, e.within"),
            ));
        }
        s.push_str("\tm, err := acquire()\n\tif err != nil {\n\t\treturn\n\t}\n\tdefer m.release(&err)\n");

        let mut body = String::new();
        if sig.indirect_params {
            let types: Vec<&Type> = f.params.iter().map(|p| &p.ty).collect();
            let offsets = self.wit.field_offsets(types.iter().copied());
            let (size, align) = self.wit.record_layout(types.iter().copied());
            writeln!(body, "pa := m.alloc({size}, {align})").unwrap();
            for (p, off) in f.params.iter().zip(offsets) {
                let v = param_name(&p.name);
                if is_now(&p.name, &p.ty) {
                    writeln!(body, "m.putU64(pa+{off}, uint64(unixOrNow({v})))").unwrap();
                } else {
                    body.push_str(&self.store(&p.ty, &v, &format!("pa+{off}"))?);
                }
            }
            body.push_str("m.stack[0] = uint64(pa)\n");
        } else {
            let mut values = Vec::new();
            for p in &f.params {
                let v = param_name(&p.name);
                let (code, exprs) = self.lower_flat(&p.ty, &v, is_now(&p.name, &p.ty))?;
                body.push_str(&code);
                values.extend(exprs);
            }
            if values.len() != sig.params.len() {
                bail!(
                    "{}: {} flat parameters generated, the core signature has {}",
                    f.name,
                    values.len(),
                    sig.params.len()
                );
            }
            for (i, e) in values.iter().enumerate() {
                writeln!(body, "m.stack[{i}] = {e}").unwrap();
            }
        }
        writeln!(body, "m.call({})", export_index(&core)).unwrap();
        match &f.result {
            None => {}
            Some(t) if !sig.retptr => {
                if sig.results.len() != 1 {
                    bail!("{}: unexpected core results {:?}", f.name, sig.results);
                }
                let e = self.lift_flat(t)?;
                writeln!(body, "out = {e}").unwrap();
            }
            Some(t) => {
                body.push_str("ret := m.stack[0]\nr := uint32(ret)\n");
                if let Some(err) = err_id {
                    let Type::Id(rid) = t else { unreachable!() };
                    let TypeDefKind::Result(res) = &self.def(*rid).kind else { unreachable!() };
                    let off = self.wit.payload_offset(Int::U8, [res.ok.as_ref(), res.err.as_ref()]);
                    let errv = if matches!(self.def(err).kind, TypeDefKind::Enum(_)) {
                        format!("{}(m, r+{off})", self.enum_error_helper(err)?)
                    } else {
                        self.load(res.err.as_ref().unwrap(), &format!("r+{off}"))?
                    };
                    let ok = match &res.ok {
                        Some(t) => format!("\tout = {}\n", self.load(t, &format!("r+{off}"))?),
                        None => String::new(),
                    };
                    writeln!(
                        body,
                        "switch m.getU8(r) {{\ncase 0:\n{ok}case 1:\n\terr = {errv}\ndefault:\n\tm.fault(\"returned a result that is neither ok nor err\")\n}}"
                    )
                    .unwrap();
                } else {
                    let e = self.load(t, "r")?;
                    writeln!(body, "out = {e}").unwrap();
                }
                if post {
                    writeln!(body, "m.stack[0] = ret\nm.call({})", export_index(&format!("cabi_post_{core}"))).unwrap();
                }
            }
        }
        if post && !sig.retptr {
            bail!("{}: a flat result that owns memory", f.name);
        }
        body.push_str("return\n");
        s.push_str(&indent(&body));
        s.push_str("}\n\n");
        let zero = match &ok_go {
            Some(_) => "out, ".to_string(),
            None => String::new(),
        };
        self.functions.push_str(&s.replace("return out0, ", &format!("return {zero}")));
        Ok(())
    }

    fn output(&self) -> String {
        let mut out = header(&format!("WIT paywit:gateway/{} (wit/{}.wit)", self.iface_name, self.iface_name));
        let docs = doc_lines(&self.wit.resolve.interfaces[self.iface].docs);
        let mut body = String::new();
        body.push_str(&self.types);
        body.push_str(&self.functions);
        for l in docs {
            if l.trim().is_empty() {
                out.push_str("//\n");
            } else {
                writeln!(out, "// {}", l.trim_end()).unwrap();
            }
        }
        out.push_str("\npackage paywit\n\n");
        out.push_str(&imports_for(&body));
        out.push_str(body.trim_end());
        out.push('\n');
        out
    }
}

/// A Go type as part of an identifier: `*string` → `OptString`, `[]Header` → `ListHeader`.
fn sanitize(go_type: &str) -> String {
    let mut s = String::new();
    let mut rest = go_type;
    loop {
        if let Some(r) = rest.strip_prefix('*') {
            s.push_str("Opt");
            rest = r;
        } else if let Some(r) = rest.strip_prefix("[]") {
            s.push_str("List");
            rest = r;
        } else {
            break;
        }
    }
    let mut chars = rest.chars();
    if let Some(c) = chars.next() {
        s.extend(c.to_uppercase());
        s.push_str(chars.as_str());
    }
    s
}

fn indent(code: &str) -> String {
    code.lines().map(|l| if l.is_empty() { "\n".to_string() } else { format!("\t{l}\n") }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_interface_generates_and_names_are_go_names() {
        let wit = Wit::load(&crate::root().join("wit")).unwrap();
        let out = generate(&wit).unwrap();
        assert!(out.files.len() >= 11);
        assert_eq!(go_name("message-id"), "MessageID");
        assert_eq!(go_name("hmac-scheme"), "HMACScheme");
        assert_eq!(param_name("url"), "url");
        assert_eq!(param_name("key-id"), "keyID");
        assert_eq!(param_name("type"), "type_");
        let abi = out.files.iter().find(|f| f.path.ends_with("gen_abi.go")).unwrap();
        let entry = |wit: &str, go: &str| {
            abi.contents
                .lines()
                .any(|l| l.trim().starts_with(&format!("{wit:?}:")) && l.trim().ends_with(&format!(" {go},")))
        };
        assert!(entry("webhooks.verify", "Verify"));
        assert!(entry("retry.next-step", "NextStep"));
    }

    #[test]
    fn names_two_interfaces_define_get_their_interface() {
        let wit = Wit::load(&crate::root().join("wit")).unwrap();
        let out = generate(&wit).unwrap();
        let all: String = out.files.iter().map(|f| f.contents.as_str()).collect();
        assert!(all.contains("type RetryPolicyError interface"));
        assert!(all.contains("type IdempotencyPolicyError interface"));
        assert!(all.contains("type RetryPolicyZeroAttemptsError struct"));
    }
}
