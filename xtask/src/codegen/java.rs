//! The Java backend: one class per WIT interface in `packages/java` (package `io.github.paywit`),
//! `Webhooks.java`, `Retry.java`…, holding the interface's types as nested records, enums and
//! sealed interfaces, its error families (one unchecked exception per case under
//! `PaywitException`) and one static method per export; `Canonical.java`, the canonical-ABI
//! code every interface shares (per type a check, a store into guest memory and a load from it);
//! and `Abi.java` (the WIT digest, the core exports every call resolves, the table of wrappers a
//! test compares with the component's exports). See docs/CODEGEN.md for the mapping rules and
//! packages/java/CODEGEN.md for what this backend decides beyond them.
//!
//! A method's body is straight-line code, as in the Go backend: check every argument, borrow an
//! instance, lower at offsets computed here (flat values as the call's arguments, or one
//! indirect parameter block), call the core export, lift the answer, call `cabi_post_`, return
//! or throw. The runtime (`Guest.java`, hand-written) holds the instances (Chicory, the core
//! module compiled to JVM bytecode at build time) and the memory helpers the generated code calls.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use wit_parser::abi::WasmType;
use wit_parser::{Function, Int, InterfaceId, Type, TypeDefKind, TypeId};

use super::names::{lower_camel, shouty, upper_camel};
use super::{banner, doc_lines, holds_secret, File, Output, Wit};

/// Where the package's sources are (the generated ones beside the hand-written ones).
const SOURCE_DIR: &str = "packages/java/src/main/java/io/github/paywit";

/// Top-level class names the hand-written files take: an interface's class must not.
const HAND_WRITTEN: &[&str] = &[
    "Paywit",
    "Verifier",
    "WebhookOptions",
    "PaywitException",
    "InvalidArgumentException",
    "GuestFaultException",
    "Guest",
    "Limits",
    "Packed",
    "Canonical",
    "Abi",
];

/// Names a nested type must not take: the generated code uses them unqualified.
const RESERVED_NESTED: &[&str] =
    &["String", "Object", "Integer", "Long", "Boolean", "Float", "Double", "Byte", "Optional", "List", "Override"];

const JAVA_KEYWORDS: &[&str] = &[
    "abstract",
    "assert",
    "boolean",
    "break",
    "byte",
    "case",
    "catch",
    "char",
    "class",
    "const",
    "continue",
    "default",
    "do",
    "double",
    "else",
    "enum",
    "extends",
    "final",
    "finally",
    "float",
    "for",
    "goto",
    "if",
    "implements",
    "import",
    "instanceof",
    "int",
    "interface",
    "long",
    "native",
    "new",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "short",
    "static",
    "strictfp",
    "super",
    "switch",
    "synchronized",
    "this",
    "throw",
    "throws",
    "transient",
    "try",
    "void",
    "volatile",
    "while",
    "true",
    "false",
    "null",
    "var",
    "record",
    "yield",
    "sealed",
    "permits",
];

/// A Java member name (parameter, record component, method): lowerCamel, keywords avoided.
pub fn member(name: &str) -> String {
    let out = lower_camel(name);
    if JAVA_KEYWORDS.contains(&out.as_str()) {
        format!("{out}_")
    } else {
        out
    }
}

/// A `now: s64` parameter or field: an `Instant` in Java, null meaning the current time.
fn is_now(name: &str, ty: &Type) -> bool {
    name == "now" && *ty == Type::S64
}

/// The package's generated files.
pub fn generate(wit: &Wit) -> Result<Output> {
    let names = Names::new(wit)?;
    let mut files = Vec::new();
    let mut exports: Vec<String> = vec!["cabi_realloc".into()];
    let mut wrappers = Vec::new();
    let mut helpers = BTreeMap::new();
    for interface in wit.interfaces() {
        let mut file = FileGen::new(wit, &names, interface.id, interface.name, &mut helpers);
        file.run(&mut exports)?;
        wrappers.extend(file.wrappers.iter().cloned());
        let class = names.classes[&interface.id].clone();
        files.push(File { path: PathBuf::from(format!("{SOURCE_DIR}/{class}.java")), contents: file.output(&class) });
    }
    let mut canonical = header(
        "the canonical-ABI code every interface shares: per type a check, a store into the core module's memory and a load from it",
    );
    canonical.push_str(
        "package io.github.paywit;\n\nimport java.util.List;\nimport java.util.Optional;\n\n/** The canonical-ABI code of every WIT type (package-private; the interfaces' methods call it). */\nfinal class Canonical {\n    private Canonical() {}\n",
    );
    for h in helpers.values() {
        canonical.push('\n');
        canonical.push_str(&indent(h, 1));
    }
    canonical.push_str("}\n");
    let canonical = collapse_blank_lines(&canonical);
    files.push(File { path: PathBuf::from(format!("{SOURCE_DIR}/Canonical.java")), contents: canonical });
    files.push(File {
        path: PathBuf::from(format!("{SOURCE_DIR}/Abi.java")),
        contents: abi_file(wit, &exports, &wrappers),
    });
    Ok(Output { dirs: vec![PathBuf::from(SOURCE_DIR)], files })
}

fn header(what: &str) -> String {
    let mut s = banner("//");
    writeln!(s, "// This file: {what}.\n").unwrap();
    s
}

fn abi_file(wit: &Wit, exports: &[String], wrappers: &[(String, String)]) -> String {
    let mut s = header("the WIT digest, the core exports, the table of wrappers");
    s.push_str("package io.github.paywit;\n\nimport java.util.Map;\n\n");
    s.push_str("/** What the generated classes were generated from and call (package-private). */\nfinal class Abi {\n    private Abi() {}\n\n");
    s.push_str(
        "    /** The WIT digest these classes were generated from (abi.properties carries the component's). */\n",
    );
    writeln!(s, "    static final String WIT_DIGEST = {:?};\n", wit.abi_digest()).unwrap();
    s.push_str("    /** The core module's exports the generated methods call, resolved once per instance. */\n    static final String[] CORE_EXPORTS = {\n");
    for e in exports {
        writeln!(s, "        {e:?},").unwrap();
    }
    s.push_str("    };\n\n");
    for (i, e) in exports.iter().enumerate() {
        writeln!(s, "    /** Index of {e} in CORE_EXPORTS. */\n    static final int {} = {i};", export_index(e))
            .unwrap();
    }
    s.push_str("\n    /** Every WIT export (\"interface.function\") and its Java method (\"Class#method/parameters\"). */\n    static final Map<String, String> WIT_FUNCTIONS = Map.ofEntries(\n");
    let lines: Vec<String> = wrappers.iter().map(|(w, j)| format!("            Map.entry({w:?}, {j:?})")).collect();
    s.push_str(&lines.join(",\n"));
    s.push_str(");\n}\n");
    s
}

/// The constant naming a core export's index: `CABI_REALLOC`, `WEBHOOKS_VERIFY`, `POST_WEBHOOKS_VERIFY`.
fn export_index(core: &str) -> String {
    if core == "cabi_realloc" {
        return "CABI_REALLOC".into();
    }
    let (post, rest) = match core.strip_prefix("cabi_post_") {
        Some(rest) => ("POST_", rest),
        None => ("", core),
    };
    let iface = rest.split('/').nth(1).and_then(|r| r.split('@').next()).unwrap_or(rest);
    let func = rest.rsplit('#').next().unwrap_or(rest);
    format!("{post}{}_{}", shouty(iface), shouty(func))
}

/// Every generated name, decided once for the whole package.
struct Names {
    /// Interface → its class (`Webhooks`).
    classes: HashMap<InterfaceId, String>,
    /// Data types (records, enums, variants; an error type that is also data) → `Class.Name`.
    types: HashMap<TypeId, String>,
    /// Error types → (`Class.FamilyException`, each case's `Class.CaseException`).
    errors: HashMap<TypeId, (String, Vec<String>)>,
}

impl Names {
    fn new(wit: &Wit) -> Result<Names> {
        let interfaces = wit.interfaces();
        let mut classes = HashMap::new();
        for i in &interfaces {
            let class = upper_camel(i.name);
            if HAND_WRITTEN.contains(&class.as_str()) {
                bail!("the Java generator would name interface {} `{class}`, a hand-written class", i.name);
            }
            classes.insert(i.id, class);
        }
        let mut error_ids = BTreeSet::new();
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
                                let e = wit.resolve_alias(e);
                                error_ids.insert(e);
                                reach_inside(wit, e, &mut data);
                            }
                        }
                        _ => reach(wit, &Type::Id(*id), &mut data),
                    },
                    Some(t) => reach(wit, t, &mut data),
                    None => {}
                }
            }
        }
        let mut types = HashMap::new();
        let mut errors = HashMap::new();
        for i in &interfaces {
            let class = &classes[&i.id];
            let mut nested = BTreeSet::new();
            let mut add = |name: String, what: &str| -> Result<String> {
                if RESERVED_NESTED.contains(&name.as_str()) || name == *class || !nested.insert(name.clone()) {
                    bail!("the Java generator would name {what} `{class}.{name}`, a name taken");
                }
                Ok(format!("{class}.{name}"))
            };
            for (name, id) in wit.own_types(i.id) {
                if error_ids.contains(&id) {
                    let stem = name.strip_suffix("-error").unwrap_or(name);
                    if name == "error" {
                        bail!("the Java generator needs an error type named other than `error`");
                    }
                    let cases: Vec<String> = match &wit.resolve.types[id].kind {
                        TypeDefKind::Variant(v) => v.cases.iter().map(|c| c.name.clone()).collect(),
                        TypeDefKind::Enum(e) => e.cases.iter().map(|c| c.name.clone()).collect(),
                        other => bail!(
                            "error type {name} is a {}: the Java generator needs a variant or enum",
                            other.as_str()
                        ),
                    };
                    let family = add(format!("{}Exception", upper_camel(stem)), &format!("error type {name}"))?;
                    let mut case_names = Vec::new();
                    for c in &cases {
                        case_names.push(add(
                            format!("{}{}Exception", upper_camel(stem), upper_camel(c)),
                            &format!("{name}.{c}"),
                        )?);
                    }
                    errors.insert(id, (family, case_names));
                    if data.contains(&id) {
                        types.insert(id, add(upper_camel(name), &format!("type {name}"))?);
                    }
                } else {
                    types.insert(id, add(upper_camel(name), &format!("type {name}"))?);
                }
            }
        }
        Ok(Names { classes, types, errors })
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

/// Javadoc text: HTML and Javadoc's own markers escaped, `code` spans as `{@code}`.
fn javadoc_text(line: &str) -> String {
    let escaped = line
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('@', "&#64;")
        .replace("*/", "*&#47;");
    let mut out = String::new();
    let mut code = false;
    for c in escaped.chars() {
        if c == '`' {
            out.push_str(if code { "</code>" } else { "<code>" });
            code = !code;
        } else {
            out.push(c);
        }
    }
    if code {
        out.push_str("</code>");
    }
    out
}

/// A Javadoc comment: `lines` (WIT docs, may be empty), then `extra` lines (already Javadoc).
fn javadoc(lines: &[&str], extra: &[String]) -> String {
    let mut body: Vec<String> = lines.iter().map(|l| javadoc_text(l.trim_end())).collect();
    while body.last().is_some_and(|l| l.trim().is_empty()) {
        body.pop();
    }
    if !body.is_empty() && !extra.is_empty() {
        body.push(String::new());
    }
    body.extend(extra.iter().cloned());
    let mut s = String::from("/**\n");
    for l in body {
        if l.trim().is_empty() {
            s.push_str(" *\n");
        } else {
            writeln!(s, " * {}", l.trim_end()).unwrap();
        }
    }
    s.push_str(" */\n");
    s
}

/// `code` with no two blank lines in a row, and none before a closing brace.
fn collapse_blank_lines(code: &str) -> String {
    let mut out = String::new();
    let mut blank = false;
    let lines: Vec<&str> = code.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let next_closes = lines.get(i + 1).is_some_and(|l| l.trim_start().starts_with('}'));
        if line.trim().is_empty() {
            if blank || next_closes {
                continue;
            }
            blank = true;
        } else {
            blank = false;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// `code` indented by `levels` of four spaces (empty lines stay empty).
fn indent(code: &str, levels: usize) -> String {
    let pad = "    ".repeat(levels);
    code.lines().map(|l| if l.is_empty() { "\n".to_string() } else { format!("{pad}{l}\n") }).collect()
}

/// A Java type as part of an identifier: `Optional<String>` → `OptString`, `List<Types.Header>`
/// → `ListTypesHeader`, `byte[]` → `Bytes`.
fn sanitize(java: &str) -> String {
    if let Some(inner) = java.strip_prefix("Optional<").and_then(|r| r.strip_suffix('>')) {
        return format!("Opt{}", sanitize(inner));
    }
    if let Some(inner) = java.strip_prefix("List<").and_then(|r| r.strip_suffix('>')) {
        return format!("List{}", sanitize(inner));
    }
    if java == "byte[]" {
        return "Bytes".into();
    }
    java.replace('.', "")
}

/// The Java expression of an i32 or i64 flat value widened into a joined slot of type `slot`.
fn join(value: &str, from: WasmType, slot: WasmType) -> String {
    match (from, slot) {
        (WasmType::I32 | WasmType::F32, WasmType::I64) => format!("(({value}) & 0xFFFFFFFFL)"),
        _ => value.to_string(),
    }
}

struct FileGen<'a> {
    wit: &'a Wit,
    names: &'a Names,
    iface: InterfaceId,
    iface_name: &'a str,
    types: String,
    functions: String,
    /// `Canonical`'s methods, by name.
    helpers: &'a mut BTreeMap<String, String>,
    counter: usize,
    /// (WIT "interface.function", "Class#method/parameters") of every export.
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
            counter: 0,
            wrappers: Vec::new(),
        }
    }

    fn fresh(&mut self, stem: &str) -> String {
        self.counter += 1;
        format!("{stem}${}", self.counter)
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

    /// The Java type of `ty`; `boxed` where a type argument is needed (`Long`, not `long`).
    fn java_type(&self, ty: &Type, boxed: bool) -> Result<String> {
        let pick = |p: &str, b: &str| if boxed { b.to_string() } else { p.to_string() };
        Ok(match ty {
            Type::Bool => pick("boolean", "Boolean"),
            Type::U8 | Type::U16 | Type::S8 | Type::S16 | Type::S32 => pick("int", "Integer"),
            Type::U32 | Type::U64 | Type::S64 => pick("long", "Long"),
            Type::F32 => pick("float", "Float"),
            Type::F64 => pick("double", "Double"),
            Type::String => "String".into(),
            Type::Char | Type::ErrorContext => bail!("the Java generator does not support WIT {ty:?}"),
            Type::Id(id) => {
                let id = self.wit.resolve_alias(*id);
                if let Some(name) = self.names.types.get(&id) {
                    return Ok(name.clone());
                }
                match &self.def(id).kind {
                    TypeDefKind::Option(t) => format!("Optional<{}>", self.java_type(t, true)?),
                    TypeDefKind::List(Type::U8) => "byte[]".into(),
                    TypeDefKind::List(t) => format!("List<{}>", self.java_type(t, true)?),
                    other => bail!("the Java generator does not support WIT {} types here", other.as_str()),
                }
            }
        })
    }

    /// Whether `ty` is a Java reference (may be null), not a primitive.
    fn is_reference(&self, ty: &Type) -> bool {
        matches!(ty, Type::String | Type::Id(_))
    }

    fn declare(&mut self, id: TypeId) -> Result<()> {
        if self.names.errors.contains_key(&id) {
            self.declare_error(id)?;
        }
        let Some(qualified) = self.names.types.get(&id).cloned() else { return Ok(()) };
        let name = qualified.rsplit('.').next().unwrap().to_string();
        let def = self.def(id);
        let wit_name = def.name.clone().unwrap_or_default();
        let docs = doc_lines(&def.docs);
        let mut s = String::new();
        match &def.kind {
            TypeDefKind::Record(r) => {
                let mut extra = vec![format!("<p>WIT <code>{}.{wit_name}</code>.", self.iface_name)];
                let mut components = Vec::new();
                for f in &r.fields {
                    let field = member(&f.name);
                    let mut doc =
                        doc_lines(&f.docs).iter().map(|l| javadoc_text(l.trim())).collect::<Vec<_>>().join(" ");
                    let ty = if is_now(&f.name, &f.ty) {
                        doc.push_str(" Null means the current time.");
                        "java.time.Instant".to_string()
                    } else {
                        self.java_type(&f.ty, false)?
                    };
                    if self.is_u64(&f.ty) {
                        doc.push_str(" Unsigned (read it with <code>Long.toUnsignedString</code>).");
                    }
                    if doc.trim().is_empty() {
                        doc = format!("WIT field <code>{}</code>.", f.name);
                    }
                    extra.push(format!("@param {field} {}", doc.trim()));
                    components.push(format!("{ty} {field}"));
                }
                s.push_str(&javadoc(&docs, &extra));
                let body =
                    self.record_body(&r.fields.iter().map(|f| (f.name.clone(), f.ty)).collect::<Vec<_>>(), &name)?;
                if body.is_empty() {
                    writeln!(s, "public record {name}({}) {{}}\n", components.join(", ")).unwrap();
                } else {
                    writeln!(s, "public record {name}({}) {{\n{}}}\n", components.join(", "), indent(&body, 1))
                        .unwrap();
                }
            }
            TypeDefKind::Enum(e) => {
                s.push_str(&javadoc(&docs, &[format!("<p>WIT <code>{}.{wit_name}</code>.", self.iface_name)]));
                writeln!(s, "public enum {name} {{").unwrap();
                let cases: Vec<String> = e
                    .cases
                    .iter()
                    .map(|c| {
                        let d = doc_lines(&c.docs);
                        let doc = if d.is_empty() {
                            javadoc(&[], &[format!("WIT case <code>{}</code>.", c.name)])
                        } else {
                            javadoc(&d, &[])
                        };
                        format!("{}{}({:?})", indent(&doc, 1), indent(&shouty(&c.name), 1).trim_end(), c.name)
                    })
                    .collect();
                s.push_str(&cases.join(",\n"));
                s.push_str(";\n\n");
                writeln!(
                    s,
                    "    private final String witName;\n\n    {name}(String witName) {{\n        this.witName = witName;\n    }}\n\n    /** The WIT case name (<code>{first:?}</code>). @return the case name */\n    public String witName() {{\n        return witName;\n    }}\n\n    /**\n     * The case whose WIT name is {{@code witName}}.\n     *\n     * @param witName a WIT case name\n     * @return the case\n     * @throws InvalidArgumentException when no case has that name\n     */\n    public static {name} fromWitName(String witName) {{\n        for ({name} c : values()) {{\n            if (c.witName.equals(witName)) {{\n                return c;\n            }}\n        }}\n        throw new InvalidArgumentException(\"must be a {wit_name} case\");\n    }}\n}}\n",
                    first = e.cases[0].name
                )
                .unwrap();
            }
            TypeDefKind::Variant(v) => {
                self.case_helper(&qualified, v)?;
                s.push_str(&javadoc(
                    &docs,
                    &[format!(
                        "<p>WIT <code>{}.{wit_name}</code>: one record per case, such as {{@link {}}}.",
                        self.iface_name,
                        upper_camel(&v.cases[0].name)
                    )],
                ));
                writeln!(s, "public sealed interface {name} {{\n    /** The case's WIT name (<code>{:?}</code>). @return the case name */\n    String caseName();\n", v.cases[0].name).unwrap();
                for c in &v.cases {
                    let case = upper_camel(&c.name);
                    if RESERVED_NESTED.contains(&case.as_str()) || case == name {
                        bail!("the Java generator would name the case {wit_name}.{} `{case}`, a name taken", c.name);
                    }
                    let d = doc_lines(&c.docs);
                    let mut extra = vec![format!("<p>WIT case <code>{wit_name}.{}</code>.", c.name)];
                    let (components, body) = match &c.ty {
                        Some(t) => {
                            extra.push("@param value the case's payload".into());
                            let jt = self.java_type(t, false)?;
                            (format!("{jt} value"), self.record_body(&[("value".into(), *t)], &case)?)
                        }
                        None => (String::new(), String::new()),
                    };
                    let mut out = javadoc(&d, &extra);
                    writeln!(
                        out,
                        "record {case}({components}) implements {name} {{\n    @Override\n    public String caseName() {{\n        return {:?};\n    }}\n{}}}",
                        c.name,
                        if body.is_empty() { String::new() } else { format!("\n{}", indent(&body, 1)) }
                    )
                    .unwrap();
                    s.push_str(&indent(&out, 1));
                    s.push('\n');
                }
                s.push_str("}\n");
            }
            other => bail!("the Java generator does not support WIT {} types ({wit_name})", other.as_str()),
        }
        self.types.push_str(&s);
        self.types.push('\n');
        Ok(())
    }

    /// `case<Variant>(v)`: the case index (WIT order) of a checked, non-null variant value.
    fn case_helper(&mut self, name: &str, v: &wit_parser::Variant) -> Result<()> {
        let h = format!("case{}", sanitize(name));
        let mut body = String::new();
        for (i, c) in v.cases.iter().enumerate() {
            writeln!(body, "if (v instanceof {name}.{}) {{\n    return {i};\n}}", upper_camel(&c.name)).unwrap();
        }
        body.push_str("throw new InvalidArgumentException(\"must not be null\");\n");
        let s = format!(
            "/** The case index (WIT order) of {{@code v}}. */\nstatic int {h}({name} v) {{\n{}}}\n",
            indent(&body, 1)
        );
        self.helpers.insert(h, s);
        Ok(())
    }

    fn is_u64(&self, ty: &Type) -> bool {
        match ty {
            Type::U64 => true,
            Type::Id(id) => match &self.def(*id).kind {
                TypeDefKind::Option(t) | TypeDefKind::List(t) | TypeDefKind::Type(t) => self.is_u64(t),
                _ => false,
            },
            _ => false,
        }
    }

    /// The members a record needs beyond Java's own: a `toString` that redacts secret material,
    /// and `equals`, `hashCode` and `toString` by contents for a `byte[]` component.
    fn record_body(&self, fields: &[(String, Type)], name: &str) -> Result<String> {
        let bytes = |t: &Type| matches!(t, Type::Id(id) if matches!(self.def(*id).kind, TypeDefKind::List(Type::U8)));
        let secret = fields.iter().any(|(n, _)| holds_secret(n));
        let has_bytes = fields.iter().any(|(_, t)| bytes(t));
        if !secret && !has_bytes {
            return Ok(String::new());
        }
        let mut s = String::new();
        if has_bytes {
            let eq: Vec<String> = fields
                .iter()
                .map(|(n, t)| {
                    let m = member(n);
                    if bytes(t) {
                        format!("java.util.Arrays.equals({m}, o.{m})")
                    } else if self.is_reference(t) {
                        format!("java.util.Objects.equals({m}, o.{m})")
                    } else {
                        format!("{m} == o.{m}")
                    }
                })
                .collect();
            let hash: Vec<String> = fields
                .iter()
                .map(|(n, t)| {
                    let m = member(n);
                    if bytes(t) {
                        format!("java.util.Arrays.hashCode({m})")
                    } else {
                        format!("java.util.Objects.hashCode({m})")
                    }
                })
                .collect();
            writeln!(s, "/** Equal when every component is, a byte array by its contents. */\n@Override\npublic boolean equals(Object other) {{\n    return other instanceof {name} o && {};\n}}\n\n/** By contents, as {{@link #equals}}. */\n@Override\npublic int hashCode() {{\n    return java.util.Objects.hash({});\n}}\n", eq.join(" && "), hash.join(", ")).unwrap();
        }
        let shown: Vec<String> = fields
            .iter()
            .map(|(n, t)| {
                let m = member(n);
                if holds_secret(n) {
                    format!("\"{m}=[redacted]\"")
                } else if bytes(t) {
                    format!("\"{m}=\" + ({m} == null ? \"null\" : {m}.length + \" bytes\")")
                } else {
                    format!("\"{m}=\" + {m}")
                }
            })
            .collect();
        let what = if secret {
            "Shows every component but secret material, which is redacted."
        } else {
            "Shows a byte array's length, not its bytes."
        };
        writeln!(
            s,
            "/** {what} */\n@Override\npublic String toString() {{\n    return \"{name}[\" + {} + \"]\";\n}}",
            shown.join(" + \", \" + ")
        )
        .unwrap();
        Ok(s)
    }

    fn declare_error(&mut self, id: TypeId) -> Result<()> {
        let (family_q, cases_q) = self.names.errors[&id].clone();
        let family = family_q.rsplit('.').next().unwrap().to_string();
        let def = self.def(id);
        let wit_name = def.name.clone().unwrap_or_default();
        let wit_cases: Vec<(String, Option<Type>, Vec<&str>)> = match &def.kind {
            TypeDefKind::Variant(v) => v.cases.iter().map(|c| (c.name.clone(), c.ty, doc_lines(&c.docs))).collect(),
            TypeDefKind::Enum(e) => e.cases.iter().map(|c| (c.name.clone(), None, doc_lines(&c.docs))).collect(),
            _ => unreachable!(),
        };
        let case_names: Vec<String> = cases_q.iter().map(|c| c.rsplit('.').next().unwrap().to_string()).collect();
        let mut s = javadoc(
            &doc_lines(&def.docs),
            &[format!(
                "<p>Any error of WIT <code>{}.{wit_name}</code>: one final class per case, such as {{@link {}}}.",
                self.iface_name, case_names[0]
            )],
        );
        writeln!(
            s,
            "public abstract static sealed class {family} extends PaywitException permits {} {{\n    private static final long serialVersionUID = 1L;\n\n    {family}(String code, Object details) {{\n        super({wit_name:?}, code, details);\n    }}\n}}\n",
            case_names.join(", ")
        )
        .unwrap();
        for ((case, ty, docs), class) in wit_cases.iter().zip(&case_names) {
            let mut out = javadoc(docs, &[format!("<p>The error <code>{wit_name}.{case}</code>.")]);
            match ty {
                Some(t) => {
                    // Boxed: a case's details() overrides PaywitException's Object details().
                    let jt = self.java_type(t, true)?;
                    writeln!(
                        out,
                        "public static final class {class} extends {family} {{\n    private static final long serialVersionUID = 1L;\n\n    /** The case's payload. */\n    private final transient {jt} details;\n\n    /**\n     * The error with its payload.\n     *\n     * @param details the case's payload\n     */\n    public {class}({jt} details) {{\n        super({case:?}, details);\n        this.details = details;\n    }}\n\n    /** The case's payload. @return the payload */\n    @Override\n    public {jt} details() {{\n        return details;\n    }}\n}}\n"
                    )
                    .unwrap();
                }
                None => {
                    writeln!(
                        out,
                        "public static final class {class} extends {family} {{\n    private static final long serialVersionUID = 1L;\n\n    /** The error (it has no payload). */\n    public {class}() {{\n        super({case:?}, null);\n    }}\n}}\n"
                    )
                    .unwrap();
                }
            }
            s.push_str(&out);
        }
        self.types.push_str(&s);
        self.types.push('\n');
        Ok(())
    }

    // ------------------------------------------------------------------ checks

    /// Statements checking `v` (of `ty`); on failure they `{fail}` (`return` in a helper,
    /// `throw` in an export's method) an InvalidArgumentException whose path starts with `seg`
    /// (a Java string expression).
    fn check(&mut self, ty: &Type, v: &str, seg: &str, fail: &str) -> Result<String> {
        let null = |what: &str| {
            format!("if ({v} == null) {{\n    {fail} Guest.invalid(\"must not be null{what}\").within({seg});\n}}\n")
        };
        let range = |lo: &str, hi: &str, what: &str| {
            format!(
                "if ({v} < {lo} || {v} > {hi}) {{\n    {fail} Guest.invalid(\"must be {what}\").within({seg});\n}}\n"
            )
        };
        Ok(match ty {
            Type::Bool | Type::S32 | Type::S64 | Type::U64 | Type::F32 | Type::F64 => String::new(),
            Type::U8 => range("0", "0xFF", "a u8 (0 to 255)"),
            Type::U16 => range("0", "0xFFFF", "a u16 (0 to 65535)"),
            Type::S8 => range("-128", "127", "an s8 (-128 to 127)"),
            Type::S16 => range("-32768", "32767", "an s16 (-32768 to 32767)"),
            Type::U32 => range("0", "0xFFFFFFFFL", "a u32 (0 to 4294967295)"),
            Type::String => format!(
                "{}if (!Guest.wellFormed({v})) {{\n    {fail} Guest.invalid(\"must be valid Unicode (no lone surrogate)\").within({seg});\n}}\n",
                null("")
            ),
            Type::Char | Type::ErrorContext => bail!("the Java generator does not support WIT {ty:?}"),
            Type::Id(id) => {
                let id = self.wit.resolve_alias(*id);
                let def = self.def(id);
                match &def.kind {
                    TypeDefKind::Type(t) => self.check(t, v, seg, fail)?,
                    TypeDefKind::Enum(_) => null(""),
                    TypeDefKind::Record(_) | TypeDefKind::Variant(_) => {
                        let h = self.check_helper(id)?;
                        format!(
                            "{}if ((e$ = Canonical.{h}({v})) != null) {{\n    {fail} e$.within({seg});\n}}\n",
                            null("")
                        )
                    }
                    TypeDefKind::List(Type::U8) => null(""),
                    TypeDefKind::Option(t) => {
                        let x = self.fresh("x");
                        let inner = self.check(t, &x, seg, fail)?;
                        let mut s = null(" (Optional.empty() for none)");
                        if !inner.is_empty() {
                            let jt = self.java_type(t, false)?;
                            write!(s, "if ({v}.isPresent()) {{\n    {jt} {x} = {v}.get();\n{}}}\n", indent(&inner, 1)).unwrap();
                        }
                        s
                    }
                    TypeDefKind::List(t) => {
                        let (i, x) = (self.fresh("i"), self.fresh("x"));
                        let element = format!("{seg} + \"[\" + {i} + \"]\"");
                        let bt = self.java_type(t, true)?;
                        let mut inner = format!("{bt} {x} = {v}.get({i});\n");
                        let check = self.check(t, &x, &element, fail)?;
                        if self.is_reference(t) {
                            inner.push_str(&check);
                        } else {
                            write!(inner, "if ({x} == null) {{\n    {fail} Guest.invalid(\"must not be null\").within({element});\n}}\n{check}").unwrap();
                        }
                        format!("{}for (int {i} = 0; {i} < {v}.size(); {i}++) {{\n{}}}\n", null(""), indent(&inner, 1))
                    }
                    other => bail!("the Java generator does not check WIT {} types", other.as_str()),
                }
            }
        })
    }

    /// Claims the helper `h`: false when it exists (or is being generated; a placeholder is
    /// inserted first, so a recursive use ends).
    fn claim(&mut self, h: &str) -> bool {
        if self.helpers.contains_key(h) {
            return false;
        }
        self.helpers.insert(h.to_string(), String::new());
        true
    }

    fn check_helper(&mut self, id: TypeId) -> Result<String> {
        let name = self.java_type(&Type::Id(id), false)?;
        let h = format!("check{}", sanitize(&name));
        if !self.claim(&h) {
            return Ok(h);
        }
        let def = self.def(id);
        let mut body = String::new();
        match &def.kind {
            TypeDefKind::Record(r) => {
                for f in &r.fields {
                    if is_now(&f.name, &f.ty) {
                        continue;
                    }
                    let m = member(&f.name);
                    body.push_str(&self.check(&f.ty, &format!("v.{m}()"), &format!("{m:?}"), "return")?);
                }
            }
            TypeDefKind::Variant(var) => {
                for c in &var.cases {
                    if let Some(t) = &c.ty {
                        let x = self.fresh("c");
                        let inner = self.check(t, &format!("{x}.value()"), "\"value\"", "return")?;
                        if !inner.is_empty() {
                            write!(
                                body,
                                "if (v instanceof {name}.{} {x}) {{\n{}}}\n",
                                upper_camel(&c.name),
                                indent(&inner, 1)
                            )
                            .unwrap();
                        }
                    }
                }
            }
            other => bail!("the Java generator does not check WIT {} types", other.as_str()),
        }
        let decl = if body.contains("e$") { "InvalidArgumentException e$;\n" } else { "" };
        let s = format!(
            "/** Why {{@code v}} is outside WIT {}, or null when it fits. */\nstatic InvalidArgumentException {h}({name} v) {{\n{}    return null;\n}}\n",
            self.wit_name(id),
            indent(&format!("{decl}{body}"), 1)
        );
        self.helpers.insert(h.clone(), s);
        Ok(h)
    }

    // ------------------------------------------------------------------ store (lower into memory)

    /// Statements writing `v` (checked) at guest address `a` (an int expression).
    fn store(&mut self, ty: &Type, v: &str, a: &str) -> Result<String> {
        Ok(match ty {
            Type::Bool => format!("m.putU8({a}, {v} ? 1 : 0);\n"),
            Type::U8 | Type::S8 => format!("m.putU8({a}, {v});\n"),
            Type::U16 | Type::S16 => format!("m.putU16({a}, {v});\n"),
            Type::S32 => format!("m.putI32({a}, {v});\n"),
            Type::U32 => format!("m.putI32({a}, (int) {v});\n"),
            Type::U64 | Type::S64 => format!("m.putI64({a}, {v});\n"),
            Type::F32 => format!("m.putI32({a}, Float.floatToRawIntBits({v}));\n"),
            Type::F64 => format!("m.putI64({a}, Double.doubleToRawLongBits({v}));\n"),
            Type::String => format!("m.putText({a}, {v});\n"),
            Type::Char | Type::ErrorContext => bail!("the Java generator does not support WIT {ty:?}"),
            Type::Id(id) => {
                let id = self.wit.resolve_alias(*id);
                let def = self.def(id);
                match &def.kind {
                    TypeDefKind::Type(t) => self.store(t, v, a)?,
                    TypeDefKind::Enum(e) => Self::disc_set(e.tag(), a, &format!("{v}.ordinal()")),
                    TypeDefKind::Record(_) | TypeDefKind::Variant(_) => {
                        format!("Canonical.{}(m, {v}, {a});\n", self.store_helper(id)?)
                    }
                    TypeDefKind::Option(t) => {
                        let off = self.wit.payload_offset(Int::U8, [None, Some(t)]);
                        let x = self.fresh("x");
                        let jt = self.java_type(t, false)?;
                        let inner = self.store(t, &x, &format!("{a} + {off}"))?;
                        format!(
                            "if ({v}.isPresent()) {{\n    {jt} {x} = {v}.get();\n    m.putU8({a}, 1);\n{}}} else {{\n    m.putU8({a}, 0);\n}}\n",
                            indent(&inner, 1)
                        )
                    }
                    TypeDefKind::List(Type::U8) => format!("m.putBytes({a}, {v});\n"),
                    TypeDefKind::List(t) => {
                        let (p, code) = self.store_list(t, v)?;
                        format!(
                            "{{\n{}    m.putI32({a}, {p});\n    m.putI32({a} + 4, {v}.size());\n}}\n",
                            indent(&code, 1)
                        )
                    }
                    other => bail!("the Java generator does not lower WIT {} types", other.as_str()),
                }
            }
        })
    }

    /// Statements copying the list `v` of `t` into a fresh guest block; returns the pointer's name.
    fn store_list(&mut self, t: &Type, v: &str) -> Result<(String, String)> {
        let size = self.wit.size(t);
        let align = self.wit.align(t);
        let (p, i, x) = (self.fresh("p"), self.fresh("i"), self.fresh("x"));
        let jt = self.java_type(t, false)?;
        let inner = self.store(t, &x, &format!("{p} + {i} * {size}"))?;
        Ok((
            p.clone(),
            format!(
                "int {p} = m.allocArray({v}.size(), {size}, {align});\nfor (int {i} = 0; {i} < {v}.size(); {i}++) {{\n    {jt} {x} = {v}.get({i});\n{}}}\n",
                indent(&inner, 1)
            ),
        ))
    }

    fn store_helper(&mut self, id: TypeId) -> Result<String> {
        let name = self.java_type(&Type::Id(id), false)?;
        let h = format!("store{}", sanitize(&name));
        if !self.claim(&h) {
            return Ok(h);
        }
        let def = self.def(id);
        let mut body = String::new();
        match &def.kind {
            TypeDefKind::Record(r) => {
                let types: Vec<&Type> = r.fields.iter().map(|f| &f.ty).collect();
                let offsets = self.wit.field_offsets(types);
                for (f, off) in r.fields.iter().zip(offsets) {
                    let field = format!("v.{}()", member(&f.name));
                    if is_now(&f.name, &f.ty) {
                        writeln!(body, "m.putI64(a + {off}, Guest.unixOrNow({field}));").unwrap();
                    } else {
                        body.push_str(&self.store(&f.ty, &field, &format!("a + {off}"))?);
                    }
                }
            }
            TypeDefKind::Variant(var) => {
                let tag = var.tag();
                let off = self.wit.payload_offset(tag, var.cases.iter().map(|c| c.ty.as_ref()));
                for (i, c) in var.cases.iter().enumerate() {
                    let x = self.fresh("c");
                    let case = format!("{name}.{}", upper_camel(&c.name));
                    let keyword = if i == 0 { "if" } else { "} else if" };
                    let mut inner = Self::disc_set(tag, "a", &i.to_string());
                    let pattern = match &c.ty {
                        Some(t) => {
                            inner.push_str(&self.store(t, &format!("{x}.value()"), &format!("a + {off}"))?);
                            format!("{case} {x}")
                        }
                        None => case,
                    };
                    write!(body, "{keyword} (v instanceof {pattern}) {{\n{}", indent(&inner, 1)).unwrap();
                }
                body.push_str("}\n");
            }
            other => bail!("the Java generator does not lower WIT {} types", other.as_str()),
        }
        let s = format!(
            "/** Writes {{@code v}} (checked) as WIT {} at guest address {{@code a}}. */\nstatic void {h}(Guest m, {name} v, int a) {{\n{}}}\n",
            self.wit_name(id),
            indent(&body, 1)
        );
        self.helpers.insert(h.clone(), s);
        Ok(h)
    }

    fn disc_set(tag: Int, a: &str, value: &str) -> String {
        match tag {
            Int::U8 => format!("m.putU8({a}, {value});\n"),
            Int::U16 => format!("m.putU16({a}, {value});\n"),
            Int::U32 => format!("m.putI32({a}, {value});\n"),
            Int::U64 => format!("m.putI64({a}, {value});\n"),
        }
    }

    fn disc_get(tag: Int, a: &str) -> String {
        match tag {
            Int::U8 => format!("m.getU8({a})"),
            Int::U16 => format!("m.getU16({a})"),
            Int::U32 => format!("m.getI32({a})"),
            Int::U64 => format!("(int) m.getI64({a})"),
        }
    }

    // ------------------------------------------------------------------ flat lowering

    /// Statements lowering `v` (checked) to flat core values, and each value's `long` expression
    /// (Chicory's encoding: an i32 in the low 32 bits, floats as their bits).
    fn lower_flat(&mut self, ty: &Type, v: &str, now: bool) -> Result<(String, Vec<String>)> {
        if now {
            return Ok((String::new(), vec![format!("Guest.unixOrNow({v})")]));
        }
        Ok(match ty {
            Type::Bool => (String::new(), vec![format!("({v} ? 1L : 0L)")]),
            Type::U8 | Type::U16 | Type::S8 | Type::S16 | Type::S32 | Type::U32 | Type::U64 | Type::S64 => {
                (String::new(), vec![v.to_string()])
            }
            Type::F32 => (String::new(), vec![format!("Float.floatToRawIntBits({v})")]),
            Type::F64 => (String::new(), vec![format!("Double.doubleToRawLongBits({v})")]),
            Type::String => {
                let t = self.fresh("t");
                (
                    format!("long {t} = m.lowerText({v});\n"),
                    vec![format!("({t} >>> 32)"), format!("({t} & 0xFFFFFFFFL)")],
                )
            }
            Type::Char | Type::ErrorContext => bail!("the Java generator does not support WIT {ty:?}"),
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
                                self.lower_flat(&f.ty, &format!("{v}.{}()", member(&f.name)), is_now(&f.name, &f.ty))?;
                            code.push_str(&c);
                            out.extend(e);
                        }
                        (code, out)
                    }
                    TypeDefKind::Enum(_) => (String::new(), vec![format!("{v}.ordinal()")]),
                    TypeDefKind::List(Type::U8) => {
                        let t = self.fresh("t");
                        (
                            format!("long {t} = m.lowerBytes({v});\n"),
                            vec![format!("({t} >>> 32)"), format!("({t} & 0xFFFFFFFFL)")],
                        )
                    }
                    TypeDefKind::List(t) => {
                        let (p, code) = self.store_list(t, v)?;
                        (code, vec![p, format!("{v}.size()")])
                    }
                    TypeDefKind::Option(t) => {
                        let x = self.fresh("x");
                        let jt = self.java_type(t, false)?;
                        let (slots, mut code) = self.joined_slots(ty)?;
                        let fill = self.fill_slots(ty, &slots, 1, Some((*t, x.clone())))?;
                        write!(code, "if ({v}.isPresent()) {{\n    {jt} {x} = {v}.get();\n{}}}\n", indent(&fill, 1))
                            .unwrap();
                        (code, slots)
                    }
                    TypeDefKind::Variant(var) => {
                        let name = self.java_type(&Type::Id(id), false)?;
                        let (slots, mut code) = self.joined_slots(ty)?;
                        for (k, c) in var.cases.iter().enumerate() {
                            let x = self.fresh("c");
                            let case = format!("{name}.{}", upper_camel(&c.name));
                            let keyword = if k == 0 { "if" } else { "} else if" };
                            let (pattern, payload) = match &c.ty {
                                Some(t) => (format!("{case} {x}"), Some((*t, format!("{x}.value()")))),
                                None => (case, None),
                            };
                            let fill = self.fill_slots(ty, &slots, k, payload)?;
                            write!(code, "{keyword} ({v} instanceof {pattern}) {{\n{}", indent(&fill, 1)).unwrap();
                        }
                        code.push_str("}\n");
                        (code, slots)
                    }
                    other => bail!("the Java generator does not lower WIT {} types", other.as_str()),
                }
            }
        })
    }

    /// The joined flat slots of a variant or option `ty`: their names, and their declaration.
    fn joined_slots(&mut self, ty: &Type) -> Result<(Vec<String>, String)> {
        let joined = self.wit.flat(ty).context("a type of more than 16 flat values is never lowered flat")?;
        let slots: Vec<String> = joined.iter().map(|_| self.fresh("j")).collect();
        let decl = slots.iter().map(|s| format!("{s} = 0")).collect::<Vec<_>>().join(", ");
        Ok((slots, format!("long {decl};\n")))
    }

    /// Statements filling the joined slots of `ty` for case `k`: its index, then its payload's
    /// flat values, each widened to its slot.
    fn fill_slots(&mut self, ty: &Type, slots: &[String], k: usize, payload: Option<(Type, String)>) -> Result<String> {
        let joined = self.wit.flat(ty).context("a joined type")?;
        let mut b = format!("{} = {k};\n", slots[0]);
        if let Some((t, value)) = payload {
            let own = self.wit.flat(&t).context("a payload's flat types")?;
            let (c, exprs) = self.lower_flat(&t, &value, false)?;
            b.push_str(&c);
            for (i, e) in exprs.iter().enumerate() {
                writeln!(b, "{} = {};", slots[i + 1], join(e, own[i], joined[i + 1])).unwrap();
            }
        }
        Ok(b)
    }

    // ------------------------------------------------------------------ lift (from memory)

    /// A Java expression reading a value of `ty` at guest address `a`.
    fn load(&mut self, ty: &Type, a: &str) -> Result<String> {
        Ok(match ty {
            Type::Bool => format!("m.getBool({a})"),
            Type::U8 => format!("m.getU8({a})"),
            Type::S8 => format!("(int) (byte) m.getU8({a})"),
            Type::U16 => format!("m.getU16({a})"),
            Type::S16 => format!("(int) (short) m.getU16({a})"),
            Type::S32 => format!("m.getI32({a})"),
            Type::U32 => format!("Integer.toUnsignedLong(m.getI32({a}))"),
            Type::U64 | Type::S64 => format!("m.getI64({a})"),
            Type::F32 => format!("Float.intBitsToFloat(m.getI32({a}))"),
            Type::F64 => format!("Double.longBitsToDouble(m.getI64({a}))"),
            Type::String => format!("m.text(m.getI32({a}), m.getI32({a} + 4))"),
            Type::Char | Type::ErrorContext => bail!("the Java generator does not support WIT {ty:?}"),
            Type::Id(id) => {
                let id = self.wit.resolve_alias(*id);
                let def = self.def(id);
                match &def.kind {
                    TypeDefKind::Type(t) => self.load(t, a)?,
                    TypeDefKind::Record(_) | TypeDefKind::Enum(_) | TypeDefKind::Variant(_) => {
                        format!("Canonical.{}(m, {a})", self.load_helper(id)?)
                    }
                    TypeDefKind::List(Type::U8) => format!("m.copyBytes(m.getI32({a}), m.getI32({a} + 4))"),
                    TypeDefKind::Option(t) => {
                        let jt = self.java_type(ty, false)?;
                        let h = format!("load{}", sanitize(&jt));
                        if self.claim(&h) {
                            let off = self.wit.payload_offset(Int::U8, [None, Some(t)]);
                            let inner = self.load(t, &format!("a + {off}"))?;
                            let code = format!(
                                "/** Reads WIT option at guest address {{@code a}}. */\nstatic {jt} {h}(Guest m, int a) {{\n    switch (m.getU8(a)) {{\n        case 0:\n            return Optional.empty();\n        case 1:\n            return Optional.of({inner});\n        default:\n            throw m.fault(\"returned an option that is neither none nor some\");\n    }}\n}}\n"
                            );
                            self.helpers.insert(h.clone(), code);
                        }
                        format!("Canonical.{h}(m, {a})")
                    }
                    TypeDefKind::List(t) => {
                        let jt = self.java_type(ty, false)?;
                        let bt = self.java_type(t, true)?;
                        let h = format!("load{}", sanitize(&jt));
                        if self.claim(&h) {
                            let size = self.wit.size(t);
                            let inner = self.load(t, &format!("p + i * {size}"))?;
                            let code = format!(
                                "/** Reads a WIT list at guest address {{@code a}}. */\nstatic {jt} {h}(Guest m, int a) {{\n    int p = m.getI32(a);\n    int n = m.getI32(a + 4);\n    m.checkRange(p, (long) Integer.toUnsignedLong(n) * {size});\n    List<{bt}> out = new java.util.ArrayList<>(n);\n    for (int i = 0; i < n; i++) {{\n        out.add({inner});\n    }}\n    return java.util.Collections.unmodifiableList(out);\n}}\n"
                            );
                            self.helpers.insert(h.clone(), code);
                        }
                        format!("Canonical.{h}(m, {a})")
                    }
                    other => bail!("the Java generator does not lift WIT {} types", other.as_str()),
                }
            }
        })
    }

    /// The load helper of a named data type.
    fn load_helper(&mut self, id: TypeId) -> Result<String> {
        let name = self.java_type(&Type::Id(id), false)?;
        let h = format!("load{}", sanitize(&name));
        if !self.claim(&h) {
            return Ok(h);
        }
        let wit_name = self.wit_name(id);
        let def = self.def(id);
        let body = match &def.kind {
            TypeDefKind::Record(r) => {
                let types: Vec<&Type> = r.fields.iter().map(|f| &f.ty).collect();
                let offsets = self.wit.field_offsets(types);
                let mut args = Vec::new();
                for (f, off) in r.fields.iter().zip(offsets) {
                    args.push(if is_now(&f.name, &f.ty) {
                        format!("java.time.Instant.ofEpochSecond(m.getI64(a + {off}))")
                    } else {
                        self.load(&f.ty, &format!("a + {off}"))?
                    });
                }
                format!("return new {name}(\n        {});\n", args.join(",\n        "))
            }
            TypeDefKind::Enum(e) => {
                let get = Self::disc_get(e.tag(), "a");
                self.lift_enum_helper(id)?;
                format!("return lift{}(m, {get});\n", sanitize(&name))
            }
            TypeDefKind::Variant(var) => {
                let cases: Vec<(String, Option<Type>)> =
                    var.cases.iter().map(|c| (format!("new {name}.{}", upper_camel(&c.name)), c.ty)).collect();
                self.variant_switch(var.tag(), var.cases.iter().map(|c| c.ty.as_ref()).collect(), &cases, &wit_name)?
            }
            other => bail!("the Java generator does not lift WIT {} types", other.as_str()),
        };
        let s = format!(
            "/** Reads WIT {wit_name} at guest address {{@code a}}. */\nstatic {name} {h}(Guest m, int a) {{\n{}}}\n",
            indent(&body, 1)
        );
        self.helpers.insert(h.clone(), s);
        Ok(h)
    }

    /// A switch over a variant's discriminant at `a`, returning `constructor(payload)` per case.
    fn variant_switch(
        &mut self,
        tag: Int,
        payloads: Vec<Option<&Type>>,
        cases: &[(String, Option<Type>)],
        wit_name: &str,
    ) -> Result<String> {
        let off = self.wit.payload_offset(tag, payloads);
        let mut s = format!("switch ({}) {{\n", Self::disc_get(tag, "a"));
        for (i, (constructor, ty)) in cases.iter().enumerate() {
            let arg = match ty {
                Some(t) => self.load(t, &format!("a + {off}"))?,
                None => String::new(),
            };
            writeln!(s, "    case {i}:\n        return {constructor}({arg});").unwrap();
        }
        writeln!(s, "    default:\n        throw m.fault(\"returned an unknown {wit_name} case\");\n}}").unwrap();
        Ok(s)
    }

    /// `lift<Enum>(m, v)`: the enum case with index `v` (a guest fault when out of range).
    fn lift_enum_helper(&mut self, id: TypeId) -> Result<String> {
        let name = self.java_type(&Type::Id(id), false)?;
        let h = format!("lift{}", sanitize(&name));
        if self.claim(&h) {
            let TypeDefKind::Enum(e) = &self.def(id).kind else { bail!("not an enum") };
            let values = format!("VALUES_{}", shouty(&sanitize(&name)));
            let s = format!(
                "private static final {name}[] {values} = {name}.values();\n\n/** The WIT {} case with index {{@code v}}. */\nstatic {name} {h}(Guest m, int v) {{\n    if (v < 0 || v >= {}) {{\n        throw m.fault(\"returned an unknown {} case\");\n    }}\n    return {values}[v];\n}}\n",
                self.wit_name(id),
                e.cases.len(),
                self.wit_name(id)
            );
            self.helpers.insert(h.clone(), s);
        }
        Ok(h)
    }

    /// The load helper of an error type: the exception of the case at `a`.
    fn error_helper(&mut self, id: TypeId) -> Result<String> {
        let (family, cases) = self.names.errors[&id].clone();
        let h = format!("load{}", sanitize(&family));
        if !self.claim(&h) {
            return Ok(h);
        }
        let wit_name = self.wit_name(id);
        let body = match &self.def(id).kind {
            TypeDefKind::Variant(var) => {
                let list: Vec<(String, Option<Type>)> =
                    var.cases.iter().zip(&cases).map(|(c, class)| (format!("new {class}"), c.ty)).collect();
                self.variant_switch(var.tag(), var.cases.iter().map(|c| c.ty.as_ref()).collect(), &list, &wit_name)?
            }
            TypeDefKind::Enum(e) => {
                let list: Vec<(String, Option<Type>)> =
                    cases.iter().map(|class| (format!("new {class}"), None)).collect();
                self.variant_switch(e.tag(), vec![None; e.cases.len()], &list, &wit_name)?
            }
            _ => unreachable!(),
        };
        let s = format!(
            "/** The exception of the WIT {wit_name} case at guest address {{@code a}}. */\nstatic {family} {h}(Guest m, int a) {{\n{}}}\n",
            indent(&body, 1)
        );
        self.helpers.insert(h.clone(), s);
        Ok(h)
    }

    /// A Java expression for the single flat result `r` (a long) of type `ty`.
    fn lift_flat(&mut self, ty: &Type, r: &str) -> Result<String> {
        Ok(match ty {
            Type::Bool => format!("((int) {r} != 0)"),
            Type::U8 => format!("((int) {r} & 0xFF)"),
            Type::U16 => format!("((int) {r} & 0xFFFF)"),
            Type::S8 => format!("(int) (byte) {r}"),
            Type::S16 => format!("(int) (short) {r}"),
            Type::S32 => format!("(int) {r}"),
            Type::U32 => format!("({r} & 0xFFFFFFFFL)"),
            Type::U64 | Type::S64 => r.to_string(),
            Type::F32 => format!("Float.intBitsToFloat((int) {r})"),
            Type::F64 => format!("Double.longBitsToDouble({r})"),
            Type::Id(id) => {
                let id = self.wit.resolve_alias(*id);
                match &self.def(id).kind {
                    TypeDefKind::Type(t) => self.lift_flat(t, r)?,
                    TypeDefKind::Enum(_) => format!("Canonical.{}(m, (int) {r})", self.lift_enum_helper(id)?),
                    other => bail!("the Java generator does not lift a flat {} result", other.as_str()),
                }
            }
            other => bail!("the Java generator does not lift a flat {other:?} result"),
        })
    }

    // ------------------------------------------------------------------ functions

    fn function(&mut self, f: &Function, exports: &mut Vec<String>) -> Result<()> {
        let class = self.names.classes[&self.iface].clone();
        let name = member(&f.name);
        let sig = self.wit.signature(f);
        let core = self.wit.core_export_name(self.iface, f);
        let post = f.result.as_ref().is_some_and(|t| self.wit.owns_memory(t));
        exports.push(core.clone());
        if post {
            exports.push(format!("cabi_post_{core}"));
        }
        self.wrappers.push((format!("{}.{}", self.iface_name, f.name), format!("{class}#{name}/{}", f.params.len())));

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
        let ret = match &ok_ty {
            Some(t) => self.java_type(t, false)?,
            None => "void".into(),
        };

        let mut params = Vec::new();
        for p in &f.params {
            if ["m", "r"].contains(&member(&p.name).as_str()) {
                bail!("{}: a parameter named {} would shadow a local of the generated Java", f.name, p.name);
            }
            let ty =
                if is_now(&p.name, &p.ty) { "java.time.Instant".to_string() } else { self.java_type(&p.ty, false)? };
            params.push(format!("{ty} {}", member(&p.name)));
        }
        let mut extra = vec![format!("<p>WIT <code>{}.{}</code>.", self.iface_name, f.name)];
        for p in &f.params {
            let what = if is_now(&p.name, &p.ty) {
                "the current time (Unix seconds in WIT); null means now".to_string()
            } else if self.is_u64(&p.ty) {
                format!("WIT <code>{}</code> (unsigned)", p.name)
            } else {
                format!("WIT <code>{}</code>", p.name)
            };
            extra.push(format!("@param {} {what}", member(&p.name)));
        }
        if ok_ty.is_some() {
            extra.push("@return the component's answer".into());
        }
        if let Some(e) = err_id {
            let family = &self.names.errors[&e].0;
            extra.push(format!("@throws {family} the component's refusal (one subclass per case)"));
        }
        extra.push(
            "@throws InvalidArgumentException an argument outside its WIT type, before anything reaches the component"
                .into(),
        );
        extra.push("@throws GuestFaultException the component misbehaved (the next call gets a fresh instance)".into());
        let docs = doc_lines(&f.docs);
        let mut s = javadoc(&docs, &extra);
        writeln!(s, "public static {ret} {name}({}) {{", params.join(", ")).unwrap();

        // Checks first: nothing is copied into the guest for a bad argument.
        let mut checks = String::new();
        for p in &f.params {
            if is_now(&p.name, &p.ty) {
                continue;
            }
            let v = member(&p.name);
            checks.push_str(&self.check(&p.ty, &v, &format!("{v:?}"), "throw")?);
        }
        let mut body = String::new();
        if checks.contains("e$") {
            body.push_str("InvalidArgumentException e$;\n");
        }
        body.push_str(&checks);
        let out_init = match &ok_ty {
            None => None,
            Some(t) => Some(match t {
                Type::Bool => "false",
                Type::U8 | Type::U16 | Type::S8 | Type::S16 | Type::S32 | Type::U32 | Type::U64 | Type::S64 => "0",
                Type::F32 | Type::F64 => "0",
                _ => "null",
            }),
        };
        if let Some(init) = out_init {
            writeln!(body, "{ret} out$ = {init};").unwrap();
        }
        if let Some(e) = err_id {
            writeln!(body, "{} err$ = null;", self.names.errors[&e].0).unwrap();
        }
        body.push_str("Guest m = Guest.acquire();\ntry {\n");

        let mut call = String::new();
        let args: Vec<String> = if sig.indirect_params {
            let types: Vec<&Type> = f.params.iter().map(|p| &p.ty).collect();
            let offsets = self.wit.field_offsets(types.iter().copied());
            let (size, align) = self.wit.record_layout(types.iter().copied());
            writeln!(call, "int pa$ = m.alloc({size}, {align});").unwrap();
            for (p, off) in f.params.iter().zip(offsets) {
                let v = member(&p.name);
                if is_now(&p.name, &p.ty) {
                    writeln!(call, "m.putI64(pa$ + {off}, Guest.unixOrNow({v}));").unwrap();
                } else {
                    call.push_str(&self.store(&p.ty, &v, &format!("pa$ + {off}"))?);
                }
            }
            vec!["pa$".into()]
        } else {
            let mut values = Vec::new();
            for p in &f.params {
                let (code, exprs) = self.lower_flat(&p.ty, &member(&p.name), is_now(&p.name, &p.ty))?;
                call.push_str(&code);
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
            values
        };
        let invoke =
            format!("m.call(Abi.{}{})", export_index(&core), args.iter().map(|a| format!(", {a}")).collect::<String>());
        match &f.result {
            None => writeln!(call, "{invoke};").unwrap(),
            Some(t) if !sig.retptr => {
                if sig.results.len() != 1 {
                    bail!("{}: unexpected core results {:?}", f.name, sig.results);
                }
                let e = self.lift_flat(t, "r$")?;
                writeln!(call, "long r$ = {invoke}[0];\nout$ = {e};").unwrap();
            }
            Some(t) => {
                writeln!(call, "long ret$ = {invoke}[0];\nint r = (int) ret$;").unwrap();
                if let Some(err) = err_id {
                    let Type::Id(rid) = t else { unreachable!() };
                    let TypeDefKind::Result(res) = &self.def(*rid).kind else { unreachable!() };
                    let off = self.wit.payload_offset(Int::U8, [res.ok.as_ref(), res.err.as_ref()]);
                    let errv = format!("Canonical.{}(m, r + {off})", self.error_helper(err)?);
                    let ok = match &res.ok {
                        Some(t) => format!("        out$ = {};\n", self.load(t, &format!("r + {off}"))?),
                        None => String::new(),
                    };
                    writeln!(
                        call,
                        "switch (m.getU8(r)) {{\n    case 0:\n{ok}        break;\n    case 1:\n        err$ = {errv};\n        break;\n    default:\n        throw m.fault(\"returned a result that is neither ok nor err\");\n}}"
                    )
                    .unwrap();
                } else {
                    let e = self.load(t, "r")?;
                    writeln!(call, "out$ = {e};").unwrap();
                }
                if post {
                    writeln!(call, "m.call(Abi.{}, ret$);", export_index(&format!("cabi_post_{core}"))).unwrap();
                }
            }
        }
        if post && !sig.retptr {
            bail!("{}: a flat result that owns memory", f.name);
        }
        body.push_str(&indent(&call, 1));
        body.push_str("} catch (RuntimeException | StackOverflowError t$) {\n    throw m.drop(t$);\n}\nm.release();\n");
        if err_id.is_some() {
            body.push_str("if (err$ != null) {\n    throw err$;\n}\n");
        }
        if out_init.is_some() {
            body.push_str("return out$;\n");
        }
        s.push_str(&indent(&body, 1));
        s.push_str("}\n\n");

        // The overload without `now`: the current time.
        if let Some(now) = f.params.iter().position(|p| is_now(&p.name, &p.ty)) {
            let rest: Vec<&String> = params.iter().enumerate().filter(|(i, _)| *i != now).map(|(_, p)| p).collect();
            let mut args: Vec<String> = f.params.iter().map(|p| member(&p.name)).collect();
            args[now] = "null".into();
            let extra: Vec<String> = std::iter::once(format!(
                "{{@link #{name}}} at the current time. <p>WIT <code>{}.{}</code>.",
                self.iface_name, f.name
            ))
            .chain(
                f.params
                    .iter()
                    .filter(|p| !is_now(&p.name, &p.ty))
                    .map(|p| format!("@param {} WIT <code>{}</code>", member(&p.name), p.name)),
            )
            .chain(ok_ty.iter().map(|_| "@return the component's answer".to_string()))
            .collect();
            s.push_str(&javadoc(&[], &extra));
            let ret_kw = if ok_ty.is_some() { "return " } else { "" };
            writeln!(
                s,
                "public static {ret} {name}({}) {{\n    {ret_kw}{name}({});\n}}\n",
                rest.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", "),
                args.join(", ")
            )
            .unwrap();
        }
        self.functions.push_str(&s);
        Ok(())
    }

    fn output(&self, class: &str) -> String {
        let mut out = header(&format!("WIT paywit:gateway/{} (wit/{}.wit)", self.iface_name, self.iface_name));
        out.push_str("package io.github.paywit;\n\n");
        let body = format!("{}{}", self.types, self.functions);
        let mut imports = Vec::new();
        if body.contains("List<") {
            imports.push("import java.util.List;");
        }
        if body.contains("Optional<") {
            imports.push("import java.util.Optional;");
        }
        if !imports.is_empty() {
            out.push_str(&imports.join("\n"));
            out.push_str("\n\n");
        }
        let docs = doc_lines(&self.wit.resolve.interfaces[self.iface].docs);
        let exported = self.wit.is_exported(self.iface);
        out.push_str(&javadoc(
            &docs,
            &[format!(
                "<p>WIT interface <code>paywit:gateway/{}</code>: its types{}.",
                self.iface_name,
                if exported { " and one static method per function" } else { "" }
            )],
        ));
        writeln!(out, "public final class {class} {{\n    private {class}() {{}}\n").unwrap();
        out.push_str(&indent(body.trim_end(), 1));
        out.push_str("}\n");
        collapse_blank_lines(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_interface_generates_a_class_and_every_export_a_wrapper() {
        let wit = Wit::load(&crate::root().join("wit")).unwrap();
        let out = generate(&wit).unwrap();
        assert!(out.files.len() >= 12);
        let all: String = out.files.iter().map(|f| f.contents.as_str()).collect();
        assert!(all.contains("public static Webhooks.Verified verify(Webhooks.Scheme scheme"));
        assert!(all.contains("public abstract static sealed class VerifyException extends PaywitException"));
        assert!(all.contains("Map.entry(\"retry.next-step\", \"Retry#nextStep/4\")"));
        assert_eq!(member("default"), "default_");
        assert_eq!(export_index("paywit:gateway/webhooks@0.1.0#verify-packed"), "WEBHOOKS_VERIFY_PACKED");
    }

    #[test]
    fn names_two_interfaces_define_stay_in_their_class() {
        let wit = Wit::load(&crate::root().join("wit")).unwrap();
        let out = generate(&wit).unwrap();
        let retry = out.files.iter().find(|f| f.path.ends_with("Retry.java")).unwrap();
        let idempotency = out.files.iter().find(|f| f.path.ends_with("Idempotency.java")).unwrap();
        assert!(retry.contents.contains("class PolicyException extends PaywitException"));
        assert!(idempotency.contents.contains("class PolicyException extends PaywitException"));
    }
}
