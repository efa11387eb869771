//! The JavaScript backend: one ES module and one `.d.ts` per WIT interface under
//! `packages/node/src/gen/`, plus `api.js`/`api.d.ts` (the interfaces as namespaces and the
//! names that are unambiguous across interfaces, flat).
//!
//! Each module holds the interface's types (TypeScript declarations, enum case tables), its
//! error classes, and one function per export: check every argument against its WIT type,
//! lower it into the core module's memory (straight-line code per type at wit-parser's offsets),
//! call the core export, lift the answer, call the `cabi_post_` function, return or throw.
//! The runtime (`src/runtime.js`, hand-written) holds the instance; see packages/node/CODEGEN.md.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use wit_parser::abi::WasmType;
use wit_parser::{Function, Int, InterfaceId, Type, TypeDefKind, TypeId};

use super::names::{lower_camel, upper_camel};
use super::{banner, doc_lines, holds_secret, names, File, Interface, Output, Wit};

const DIR: &str = "packages/node/src/gen";

/// The JS package's generated files.
pub fn generate(wit: &Wit) -> Result<Output> {
    let digest = wit.abi_digest();
    let interfaces = wit.interfaces();
    let mut files = Vec::new();
    // Exported names per interface (for the flat re-exports of api.js).
    let mut exported: Vec<(String, Vec<String>, Vec<String>)> = Vec::new();
    for iface in &interfaces {
        let mut m = Module::new(wit, iface, &digest);
        m.run()?;
        files.push(File { path: PathBuf::from(format!("{DIR}/{}.js", iface.name)), contents: m.js() });
        files.push(File { path: PathBuf::from(format!("{DIR}/{}.d.ts", iface.name)), contents: m.dts() });
        exported.push((iface.name.to_string(), m.value_names.clone(), m.type_names.clone()));
    }
    let (js, dts) = api(&exported, &digest);
    files.push(File { path: PathBuf::from(format!("{DIR}/api.js")), contents: js });
    files.push(File { path: PathBuf::from(format!("{DIR}/api.d.ts")), contents: dts });
    Ok(Output { dirs: vec![PathBuf::from(DIR)], files })
}

/// `api.js`: every interface as a namespace, and each value or type name exported by exactly one
/// interface flat as well.
fn api(exported: &[(String, Vec<String>, Vec<String>)], digest: &str) -> (String, String) {
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, values, types) in exported {
        for n in values.iter().chain(types) {
            *count.entry(n.as_str()).or_default() += 1;
        }
    }
    let mut js = banner("//");
    js.push_str("// Every interface as a namespace (`retry.classify`), and each name exported by one\n// interface only, flat (`classify`). A name two interfaces export is only in their namespaces.\n\n");
    let mut dts = js.clone();
    writeln!(js, "export const DIGEST = '{digest}';").unwrap();
    writeln!(dts, "/** The WIT digest these bindings were generated from. */\nexport declare const DIGEST: string;")
        .unwrap();
    for (name, values, types) in exported {
        let ns = lower_camel(name);
        writeln!(js, "export * as {ns} from './{name}.js';").unwrap();
        writeln!(dts, "export * as {ns} from './{name}.js';").unwrap();
        let flat: Vec<&String> = values.iter().filter(|n| count[n.as_str()] == 1).collect();
        if !flat.is_empty() {
            let list = flat.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
            writeln!(js, "export {{ {list} }} from './{name}.js';").unwrap();
            writeln!(dts, "export {{ {list} }} from './{name}.js';").unwrap();
        }
        let flat_types: Vec<&String> = types.iter().filter(|n| count[n.as_str()] == 1).collect();
        if !flat_types.is_empty() {
            let list = flat_types.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
            writeln!(dts, "export type {{ {list} }} from './{name}.js';").unwrap();
        }
    }
    (js, dts)
}

/// The flat core types, with pointers and lengths as i32.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Flat {
    I32,
    I64,
    F32,
    F64,
}

impl Flat {
    fn zero(self) -> &'static str {
        match self {
            Flat::I64 => "0n",
            _ => "0",
        }
    }
    fn from_wasm(t: &WasmType) -> Flat {
        match t {
            WasmType::I32 | WasmType::Pointer | WasmType::Length => Flat::I32,
            WasmType::I64 | WasmType::PointerOrI64 => Flat::I64,
            WasmType::F32 => Flat::F32,
            WasmType::F64 => Flat::F64,
        }
    }
}

struct Module<'a> {
    wit: &'a Wit,
    iface: &'a Interface<'a>,
    digest: &'a str,
    /// Helper functions and tables (JS), by name, emitted once.
    helpers: BTreeMap<String, String>,
    helper_order: Vec<String>,
    /// Imports of error classes from other generated modules: module -> names.
    js_imports: BTreeMap<String, BTreeSet<String>>,
    /// Type imports of the .d.ts: module -> names.
    ts_imports: BTreeMap<String, BTreeSet<String>>,
    types_ts: String,
    errors_js: String,
    errors_ts: String,
    functions_js: String,
    functions_ts: String,
    /// Core exports the module calls (checked by the runtime at load).
    core_names: Vec<String>,
    counter: usize,
    /// JS values the module exports (functions, error classes).
    value_names: Vec<String>,
    /// TypeScript types it exports.
    type_names: Vec<String>,
}

/// The rule of a string check after its type: no lone surrogate (it has no UTF-8 form).
const WELL_FORMED: &str = "must be well-formed UTF-16 (no lone surrogates)";

fn js_str(s: &str) -> String {
    serde_json::to_string(s).unwrap().replace('\'', "\\'")
}

fn tsdoc(lines: &[&str], indent: &str) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let mut out = format!("{indent}/**\n");
    for l in lines {
        let l = l.replace("*/", "*\\/");
        if l.trim().is_empty() {
            writeln!(out, "{indent} *").unwrap();
        } else {
            writeln!(out, "{indent} * {}", l.trim_end()).unwrap();
        }
    }
    writeln!(out, "{indent} */").unwrap();
    out
}

impl<'a> Module<'a> {
    fn new(wit: &'a Wit, iface: &'a Interface<'a>, digest: &'a str) -> Self {
        Module {
            wit,
            iface,
            digest,
            helpers: BTreeMap::new(),
            helper_order: Vec::new(),
            js_imports: BTreeMap::new(),
            ts_imports: BTreeMap::new(),
            types_ts: String::new(),
            errors_js: String::new(),
            errors_ts: String::new(),
            functions_js: String::new(),
            functions_ts: String::new(),
            core_names: Vec::new(),
            counter: 0,
            value_names: Vec::new(),
            type_names: Vec::new(),
        }
    }

    fn fresh(&mut self, stem: &str) -> String {
        self.counter += 1;
        format!("{stem}{}", self.counter)
    }

    fn def(&self, id: TypeId) -> &'a wit_parser::TypeDef {
        &self.wit.resolve.types[id]
    }

    fn iface_name(&self, id: InterfaceId) -> &'a str {
        self.wit.resolve.interfaces[id].name.as_deref().unwrap_or("?")
    }

    /// The TypeScript name of a named type (with `Value` when an error class takes its name).
    fn ts_name(&self, id: TypeId) -> String {
        let name = self.def(id).name.as_deref().unwrap_or("anonymous");
        if name == "error" || name.ends_with("-error") {
            format!("{}Value", upper_camel(name))
        } else {
            upper_camel(name)
        }
    }

    /// A unique JS identifier stem for a named type: `retry_policy`.
    fn helper_stem(&self, id: TypeId) -> String {
        let owner = self.wit.owner(id).map(|i| self.iface_name(i)).unwrap_or("world");
        let name = self.def(id).name.as_deref().unwrap_or("anon");
        format!("{}_{}", owner.replace('-', "_"), name.replace('-', "_"))
    }

    fn add_helper(&mut self, name: &str, code: String) {
        if self.helpers.insert(name.to_string(), code).is_none() {
            self.helper_order.push(name.to_string());
        }
    }

    fn run(&mut self) -> Result<()> {
        let id = self.iface.id;
        for (_, ty) in self.wit.own_types(id) {
            self.declare_type(ty)?;
        }
        // Error classes for the error types this interface owns that some function throws.
        let mut error_types = BTreeSet::new();
        for iface in self.wit.interfaces() {
            for f in self.wit.functions(iface.id) {
                if let Some(err) = self.error_type(f) {
                    if self.wit.owner(err) == Some(id) {
                        error_types.insert(err);
                    }
                }
            }
        }
        for (_, ty) in self.wit.own_types(id) {
            if error_types.contains(&ty) {
                self.declare_errors(ty)?;
            }
        }
        if self.wit.is_exported(id) {
            for f in self.wit.functions(id) {
                self.function(f)?;
            }
        }
        let mut seen = BTreeSet::new();
        for n in self.value_names.iter().chain(&self.type_names) {
            if !seen.insert(n) {
                bail!("interface {}: two items map to the JS name {n}", self.iface.name);
            }
        }
        Ok(())
    }

    /// The error type of a function's `result<_, E>` answer (a named type), if any.
    fn error_type(&self, f: &Function) -> Option<TypeId> {
        let Some(Type::Id(id)) = &f.result else { return None };
        let TypeDefKind::Result(r) = &self.def(*id).kind else { return None };
        match r.err {
            Some(Type::Id(e)) => Some(self.wit.resolve_alias(e)),
            _ => None,
        }
    }

    // ---------------------------------------------------------------- TypeScript types

    fn declare_type(&mut self, id: TypeId) -> Result<()> {
        let def = self.def(id);
        let name = self.ts_name(id);
        let docs = tsdoc(&doc_lines(&def.docs), "");
        let body = match &def.kind {
            TypeDefKind::Record(r) => {
                let mut s = format!("{docs}export interface {name} {{\n");
                for f in &r.fields {
                    s.push_str(&tsdoc(&doc_lines(&f.docs), "  "));
                    let (ty, optional) = self.ts_field(&f.ty)?;
                    // A `now: s64` field defaults to the clock (see the checks and stores).
                    let optional = optional || (f.name == "now" && f.ty == Type::S64);
                    writeln!(s, "  {}{}: {ty};", lower_camel(&f.name), if optional { "?" } else { "" }).unwrap();
                }
                s.push_str("}\n");
                s
            }
            TypeDefKind::Enum(e) => {
                let mut s = docs.clone();
                let cases: Vec<String> = e.cases.iter().map(|c| js_str(&c.name)).collect();
                writeln!(s, "export type {name} = {};", cases.join(" | ")).unwrap();
                for c in &e.cases {
                    let d = doc_lines(&c.docs);
                    if !d.is_empty() {
                        s.push_str(&format!("// {}: {}\n", c.name, d.join(" ")));
                    }
                }
                s
            }
            TypeDefKind::Variant(v) => {
                let mut s = docs.clone();
                writeln!(s, "export type {name} =").unwrap();
                for c in &v.cases {
                    s.push_str(&tsdoc(&doc_lines(&c.docs), "  "));
                    match &c.ty {
                        Some(t) => {
                            writeln!(s, "  | {{ tag: {}; val: {} }}", js_str(&c.name), self.ts_type(t)?).unwrap()
                        }
                        None => writeln!(s, "  | {{ tag: {}; val?: undefined }}", js_str(&c.name)).unwrap(),
                    }
                }
                s.push_str(";\n");
                s
            }
            TypeDefKind::Type(t) => format!("{docs}export type {name} = {};\n", self.ts_type(t)?),
            other => bail!(
                "{}: the JS generator does not support WIT {} types",
                def.name.as_deref().unwrap_or("?"),
                other.as_str()
            ),
        };
        self.types_ts.push_str(&body);
        self.types_ts.push('\n');
        self.type_names.push(name);
        Ok(())
    }

    /// A record field's type and whether it may be left out (options; `now` defaults to the clock).
    fn ts_field(&mut self, ty: &Type) -> Result<(String, bool)> {
        if let Type::Id(id) = ty {
            if let TypeDefKind::Option(inner) = &self.def(*id).kind {
                return Ok((self.ts_type(inner)?, true));
            }
        }
        Ok((self.ts_type(ty)?, false))
    }

    fn ts_type(&mut self, ty: &Type) -> Result<String> {
        Ok(match ty {
            Type::Bool => "boolean".into(),
            Type::U8 | Type::U16 | Type::U32 | Type::S8 | Type::S16 | Type::S32 | Type::F32 | Type::F64 => {
                "number".into()
            }
            Type::U64 | Type::S64 => "bigint".into(),
            Type::String => "string".into(),
            Type::Char | Type::ErrorContext => bail!("the JS generator does not support WIT {ty:?}"),
            Type::Id(id) => {
                let id = self.wit.resolve_alias(*id);
                let def = self.def(id);
                if def.name.is_some() {
                    let name = self.ts_name(id);
                    if let Some(owner) = self.wit.owner(id).filter(|&o| o != self.iface.id) {
                        let module = format!("./{}.js", self.iface_name(owner));
                        self.ts_imports.entry(module).or_default().insert(name.clone());
                    }
                    return Ok(name);
                }
                match &def.kind {
                    TypeDefKind::Option(t) => format!("{} | undefined", self.ts_type(t)?),
                    TypeDefKind::List(Type::U8) => "Uint8Array".into(),
                    TypeDefKind::List(t) => {
                        let inner = self.ts_type(t)?;
                        if inner.contains(' ') {
                            format!("Array<{inner}>")
                        } else {
                            format!("{inner}[]")
                        }
                    }
                    TypeDefKind::Type(t) => self.ts_type(t)?,
                    other => bail!("the JS generator does not support anonymous WIT {} types here", other.as_str()),
                }
            }
        })
    }

    /// A parameter's TypeScript type: what the function accepts (wider than what it returns).
    fn ts_param(&mut self, ty: &Type) -> Result<String> {
        Ok(match ty {
            Type::U64 | Type::S64 => "number | bigint".into(),
            Type::Id(id) => {
                let id = self.wit.resolve_alias(*id);
                let def = self.def(id);
                match (&def.name, &def.kind) {
                    (None, TypeDefKind::List(Type::U8)) => "Uint8Array | ArrayBuffer".into(),
                    (None, TypeDefKind::Option(t)) => format!("{} | null | undefined", self.ts_param(t)?),
                    _ => self.ts_type(ty)?,
                }
            }
            _ => self.ts_type(ty)?,
        })
    }

    // ---------------------------------------------------------------- errors

    fn declare_errors(&mut self, id: TypeId) -> Result<()> {
        let def = self.def(id);
        let wit_name = def.name.clone().expect("named");
        let class = names::error_class(&wit_name);
        let docs = doc_lines(&def.docs);
        let cases: Vec<(String, Option<Type>, Vec<String>)> = match &def.kind {
            TypeDefKind::Variant(v) => v
                .cases
                .iter()
                .map(|c| (c.name.clone(), c.ty, doc_lines(&c.docs).iter().map(|s| s.to_string()).collect()))
                .collect(),
            TypeDefKind::Enum(e) => e
                .cases
                .iter()
                .map(|c| (c.name.clone(), None, doc_lines(&c.docs).iter().map(|s| s.to_string()).collect()))
                .collect(),
            other => bail!(
                "error type {wit_name}: the JS generator maps only variant and enum error types (got {})",
                other.as_str()
            ),
        };
        let codes: Vec<String> = cases.iter().map(|c| js_str(&c.0)).collect();
        let mut details = Vec::new();
        for (_, ty, _) in &cases {
            details.push(match ty {
                Some(t) => self.ts_type(t)?,
                None => "undefined".into(),
            });
        }
        let mut doc = docs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        doc.push(format!("The error family of WIT `{wit_name}`: `code` is the case, `details` its payload."));
        let doc_refs: Vec<&str> = doc.iter().map(|s| s.as_str()).collect();
        writeln!(
            self.errors_js,
            "/** The error family of WIT `{wit_name}`. */\nexport class {class} extends PaywitError {{}}"
        )
        .unwrap();
        self.errors_ts.push_str(&tsdoc(&doc_refs, ""));
        writeln!(
            self.errors_ts,
            "export declare class {class} extends PaywitError {{\n  readonly code: {};\n  readonly details: {};\n}}",
            codes.join(" | "),
            {
                let mut d: Vec<String> = details.clone();
                d.sort();
                d.dedup();
                d.join(" | ")
            }
        )
        .unwrap();
        self.value_names.push(class.clone());
        let mut table = format!("const ERRORS_{} = {{ __proto__: null", self.helper_stem(id));
        for ((case, _, cdocs), detail) in cases.iter().zip(&details) {
            let cc = names::error_case_class(&wit_name, case);
            writeln!(self.errors_js, "/** `{wit_name}.{case}`. */\nexport class {cc} extends {class} {{}}").unwrap();
            let cd: Vec<&str> = cdocs.iter().map(|s| s.as_str()).collect();
            self.errors_ts.push_str(&tsdoc(&cd, ""));
            writeln!(
                self.errors_ts,
                "export declare class {cc} extends {class} {{\n  readonly code: {};\n  readonly details: {detail};\n}}",
                js_str(case)
            )
            .unwrap();
            self.value_names.push(cc.clone());
            write!(table, ", {}: {cc}", js_str(case)).unwrap();
        }
        table.push_str(" };\n");
        self.errors_js.push_str(&table);
        self.errors_js.push('\n');
        self.errors_ts.push('\n');
        Ok(())
    }

    /// A JS expression that builds the error for the lifted error value `v` of type `id`.
    fn raise(&mut self, id: TypeId, v: &str) -> Result<String> {
        let owner = self.wit.owner(id).expect("error types are named in an interface");
        let table = format!("ERRORS_{}", self.helper_stem(id));
        if owner != self.iface.id {
            let module = format!("./{}.js", self.iface_name(owner));
            self.js_imports.entry(module).or_default().insert(table.clone());
        }
        Ok(match &self.def(id).kind {
            TypeDefKind::Enum(_) => format!("makeError({table}[{v}], {v}, undefined)"),
            _ => format!("makeError({table}[{v}.tag], {v}.tag, {v}.val)"),
        })
    }

    // ---------------------------------------------------------------- checks

    /// JS statements that check `v` (an identifier, read once) against `ty`; `p` is the path
    /// expression. Returns the statements and the expression of the value captured by the check:
    /// a primitive as is, a list copied into a plain array, a record's fields and a variant's tag
    /// and payload read once into a plain object, bytes as a fresh `Uint8Array` view. The lowering
    /// reads only the captured value, so no user code (getters, Proxies) runs after the check.
    fn check(&mut self, ty: &Type, v: &str, p: &str) -> Result<(String, String)> {
        let fail = |rule: &str| format!("invalid({p}, {}, {v})", js_str(rule));
        let same = |code: String| (code, v.to_string());
        Ok(match ty {
            Type::Bool => same(format!("if (typeof {v} !== 'boolean') {};\n", fail("must be a boolean"))),
            Type::U8 => same(format!(
                "if (typeof {v} !== 'number' || ({v} & 0xff) !== {v}) {};\n",
                fail("must be an integer in u8 range 0..255")
            )),
            Type::U16 => same(format!(
                "if (typeof {v} !== 'number' || ({v} & 0xffff) !== {v}) {};\n",
                fail("must be an integer in u16 range 0..65535")
            )),
            Type::U32 => same(format!(
                "if (typeof {v} !== 'number' || ({v} >>> 0) !== {v}) {};\n",
                fail("must be an integer in u32 range 0..4294967295")
            )),
            Type::S8 => same(format!(
                "if (typeof {v} !== 'number' || ({v} << 24 >> 24) !== {v}) {};\n",
                fail("must be an integer in s8 range -128..127")
            )),
            Type::S16 => same(format!(
                "if (typeof {v} !== 'number' || ({v} << 16 >> 16) !== {v}) {};\n",
                fail("must be an integer in s16 range -32768..32767")
            )),
            Type::S32 => same(format!(
                "if (typeof {v} !== 'number' || ({v} | 0) !== {v}) {};\n",
                fail("must be an integer in s32 range -2147483648..2147483647")
            )),
            Type::U64 => {
                same(format!("if (!isU64({v})) {};\n", fail("must be a safe integer or a BigInt in u64 range")))
            }
            Type::S64 => {
                same(format!("if (!isS64({v})) {};\n", fail("must be a safe integer or a BigInt in s64 range")))
            }
            Type::F32 | Type::F64 => same(format!("if (typeof {v} !== 'number') {};\n", fail("must be a number"))),
            Type::String => same(format!(
                "if (typeof {v} !== 'string') {};\nif (!wellFormed({v})) {};\n",
                fail("must be a string"),
                fail(WELL_FORMED)
            )),
            Type::Char | Type::ErrorContext => bail!("the JS generator does not support WIT {ty:?}"),
            Type::Id(id) => {
                let id = self.wit.resolve_alias(*id);
                let def = self.def(id);
                if def.name.is_some() && !matches!(def.kind, TypeDefKind::Type(_)) {
                    let h = format!("ck_{}", self.helper_stem(id));
                    if !self.helpers.contains_key(&h) {
                        self.add_helper(&h, String::new());
                        let code = self.check_helper(id, &h)?;
                        self.helpers.insert(h.clone(), code);
                    }
                    let c = self.fresh("c");
                    return Ok((format!("const {c} = {h}({v}, {p});\n"), c));
                }
                match &def.kind {
                    TypeDefKind::Type(t) => self.check(t, v, p)?,
                    TypeDefKind::Option(t) => {
                        let (inner, e) = self.check(t, v, p)?;
                        if e == v {
                            (format!("if ({v} != null) {{\n{inner}}}\n"), e)
                        } else {
                            let c = self.fresh("c");
                            (format!("let {c} = null;\nif ({v} != null) {{\n{inner}{c} = {e};\n}}\n"), c)
                        }
                    }
                    TypeDefKind::List(Type::U8) => {
                        let c = self.fresh("c");
                        (
                            format!(
                                "const {c} = u8view({v});\nif ({c} === undefined) {};\n",
                                fail("must be a Uint8Array (or Buffer, ArrayBuffer)")
                            ),
                            c,
                        )
                    }
                    TypeDefKind::List(t) => {
                        let i = self.fresh("i");
                        let e = self.fresh("e");
                        let n = self.fresh("n");
                        let c = self.fresh("c");
                        let (inner, ce) = self.check(t, &e, &format!("{p} + '[' + {i} + ']'"))?;
                        (
                            format!(
                                "if (!Array.isArray({v})) {};\nconst {n} = {v}.length;\nif (({n} >>> 0) !== {n}) {};\nconst {c} = new Array({n});\nfor (let {i} = 0; {i} < {n}; {i}++) {{\nconst {e} = {v}[{i}];\n{inner}{c}[{i}] = {ce};\n}}\n",
                                fail("must be an array"),
                                fail("must be an array")
                            ),
                            c,
                        )
                    }
                    other => bail!("the JS generator does not support WIT {} types here", other.as_str()),
                }
            }
        })
    }

    /// A check helper returns the value it checked, captured (see `check`).
    fn check_helper(&mut self, id: TypeId, h: &str) -> Result<String> {
        let def = self.def(id);
        let mut s = format!("function {h}(v, p) {{\n");
        match &def.kind {
            TypeDefKind::Record(r) => {
                s.push_str("if (v === null || typeof v !== 'object' || Array.isArray(v)) invalid(p, 'must be an object', v);\n");
                let mut fields = Vec::new();
                for f in &r.fields {
                    let key = lower_camel(&f.name);
                    let var = self.fresh("f");
                    writeln!(s, "const {var} = v.{key};").unwrap();
                    let (check, e) = self.check(&f.ty, &var, &format!("p + '.{key}'"))?;
                    if f.name == "now" && f.ty == Type::S64 {
                        writeln!(s, "if ({var} !== undefined) {{\n{check}}}").unwrap();
                    } else {
                        s.push_str(&check);
                    }
                    fields.push(format!("{key}: {e}"));
                }
                writeln!(s, "return {{ {} }};", fields.join(", ")).unwrap();
            }
            TypeDefKind::Enum(e) => {
                let names: Vec<&str> = e.cases.iter().map(|c| c.name.as_str()).collect();
                let table = self.enum_tables(id);
                writeln!(
                    s,
                    "if (typeof v !== 'string' || {table}[v] === undefined) invalid(p, {}, v);\nreturn v;",
                    js_str(&format!("must be one of {}", names.join(", ")))
                )
                .unwrap();
            }
            TypeDefKind::Variant(v) => {
                let names: Vec<&str> = v.cases.iter().map(|c| c.name.as_str()).collect();
                s.push_str("if (v === null || typeof v !== 'object' || Array.isArray(v)) invalid(p, 'must be a { tag, val } object', v);\nconst t = v.tag;\nswitch (t) {\n");
                for c in &v.cases {
                    writeln!(s, "case {}: {{", js_str(&c.name)).unwrap();
                    if let Some(t) = &c.ty {
                        let var = self.fresh("x");
                        writeln!(s, "const {var} = v.val;").unwrap();
                        let (check, e) = self.check(t, &var, "p + '.val'")?;
                        s.push_str(&check);
                        writeln!(s, "return {{ tag: {}, val: {e} }};", js_str(&c.name)).unwrap();
                    } else {
                        writeln!(s, "return {{ tag: {} }};", js_str(&c.name)).unwrap();
                    }
                    s.push_str("}\n");
                }
                writeln!(
                    s,
                    "default: return invalid(p + '.tag', {}, t);\n}}",
                    js_str(&format!("must be one of {}", names.join(", ")))
                )
                .unwrap();
            }
            other => bail!("the JS generator does not support WIT {} types", other.as_str()),
        }
        s.push_str("}\n");
        Ok(s)
    }

    /// The enum's case -> index table and index -> name table; returns the first's name.
    fn enum_tables(&mut self, id: TypeId) -> String {
        let stem = self.helper_stem(id);
        let TypeDefKind::Enum(e) = &self.def(id).kind else { unreachable!() };
        let names: Vec<String> = e.cases.iter().map(|c| js_str(&c.name)).collect();
        let index: Vec<String> = names.iter().enumerate().map(|(i, n)| format!("{n}: {i}")).collect();
        self.add_helper(
            &format!("E_{stem}"),
            format!("const E_{stem} = {{ __proto__: null, {} }};\n", index.join(", ")),
        );
        self.add_helper(&format!("N_{stem}"), format!("const N_{stem} = [{}];\n", names.join(", ")));
        format!("E_{stem}")
    }

    fn int_width(tag: Int) -> (&'static str, usize) {
        match tag {
            Int::U8 => ("Uint8", 1),
            Int::U16 => ("Uint16", 2),
            Int::U32 => ("Uint32", 4),
            Int::U64 => ("BigUint64", 8),
        }
    }

    fn disc_set(tag: Int, a: &str, value: &str) -> String {
        let (w, size) = Self::int_width(tag);
        if size == 1 {
            format!("dv.set{w}({a}, {value});\n")
        } else {
            format!("dv.set{w}({a}, {value}, true);\n")
        }
    }

    fn disc_get(tag: Int, a: &str) -> String {
        let (w, size) = Self::int_width(tag);
        if size == 1 {
            format!("dv.get{w}({a})")
        } else {
            format!("dv.get{w}({a}, true)")
        }
    }

    // ---------------------------------------------------------------- store (lower into memory)

    /// JS statements that write `v` (checked) at address `a` (a number expression). Uses the
    /// module's `dv`, refreshed after every allocation.
    fn store(&mut self, ty: &Type, v: &str, a: &str) -> Result<String> {
        Ok(match ty {
            Type::Bool => format!("dv.setUint8({a}, {v} ? 1 : 0);\n"),
            Type::U8 => format!("dv.setUint8({a}, {v});\n"),
            Type::S8 => format!("dv.setInt8({a}, {v});\n"),
            Type::U16 => format!("dv.setUint16({a}, {v}, true);\n"),
            Type::S16 => format!("dv.setInt16({a}, {v}, true);\n"),
            Type::U32 => format!("dv.setUint32({a}, {v}, true);\n"),
            Type::S32 => format!("dv.setInt32({a}, {v}, true);\n"),
            Type::U64 => format!("dv.setBigUint64({a}, BigInt({v}), true);\n"),
            Type::S64 => format!("dv.setBigInt64({a}, BigInt({v}), true);\n"),
            Type::F32 => format!("dv.setFloat32({a}, {v}, true);\n"),
            Type::F64 => format!("dv.setFloat64({a}, {v}, true);\n"),
            Type::String => {
                let p = self.fresh("sp");
                format!("{{\nconst {p} = m.str({v}), n = m.len;\ndv = m.view();\ndv.setUint32({a}, {p}, true);\ndv.setUint32({a} + 4, n, true);\n}}\n")
            }
            Type::Char | Type::ErrorContext => bail!("the JS generator does not support WIT {ty:?}"),
            Type::Id(id) => {
                let id = self.wit.resolve_alias(*id);
                let def = self.def(id);
                if def.name.is_some() && !matches!(def.kind, TypeDefKind::Type(_)) {
                    let h = format!("st_{}", self.helper_stem(id));
                    if !self.helpers.contains_key(&h) {
                        self.add_helper(&h, String::new());
                        let code = self.store_helper(id, &h)?;
                        self.helpers.insert(h.clone(), code);
                    }
                    return Ok(format!("{h}(m, {v}, {a});\ndv = m.view();\n"));
                }
                match &def.kind {
                    TypeDefKind::Type(t) => self.store(t, v, a)?,
                    TypeDefKind::Option(t) => {
                        let off = self.wit.payload_offset(Int::U8, [None, Some(t)]);
                        let inner = self.store(t, v, &format!("{a} + {off}"))?;
                        format!("if ({v} == null) dv.setUint8({a}, 0);\nelse {{\ndv.setUint8({a}, 1);\n{inner}}}\n")
                    }
                    TypeDefKind::List(Type::U8) => {
                        let p = self.fresh("bp");
                        format!("{{\nconst {p} = m.bytes({v}), n = m.len;\ndv = m.view();\ndv.setUint32({a}, {p}, true);\ndv.setUint32({a} + 4, n, true);\n}}\n")
                    }
                    TypeDefKind::List(t) => {
                        let (p, code) = self.store_list(t, v)?;
                        format!(
                            "{{\n{code}dv.setUint32({a}, {p}, true);\ndv.setUint32({a} + 4, {v}.length, true);\n}}\n"
                        )
                    }
                    other => bail!("the JS generator does not support WIT {} types here", other.as_str()),
                }
            }
        })
    }

    /// Statements that copy the list `v` of `t` into a fresh guest block; returns the pointer's name.
    fn store_list(&mut self, t: &Type, v: &str) -> Result<(String, String)> {
        let size = self.wit.size(t);
        let align = self.wit.align(t);
        let p = self.fresh("lp");
        let i = self.fresh("i");
        let inner = self.store(t, &format!("{v}[{i}]"), &format!("{p} + {i} * {size}"))?;
        Ok((p.clone(), format!("const {p} = m.alloc({v}.length * {size}, {align});\ndv = m.view();\nfor (let {i} = 0; {i} < {v}.length; {i}++) {{\n{inner}}}\n")))
    }

    fn store_helper(&mut self, id: TypeId, h: &str) -> Result<String> {
        let def = self.def(id);
        let mut s = format!("function {h}(m, v, a) {{\nlet dv = m.view();\n");
        match &def.kind {
            TypeDefKind::Record(r) => {
                let types: Vec<&Type> = r.fields.iter().map(|f| &f.ty).collect();
                let offsets = self.wit.field_offsets(types);
                for (f, off) in r.fields.iter().zip(offsets) {
                    let key = lower_camel(&f.name);
                    let value = if f.name == "now" && f.ty == Type::S64 {
                        format!("(v.{key} ?? clock())")
                    } else {
                        format!("v.{key}")
                    };
                    let var = self.fresh("f");
                    writeln!(s, "const {var} = {value};").unwrap();
                    s.push_str(&self.store(&f.ty, &var, &format!("a + {off}"))?);
                }
            }
            TypeDefKind::Enum(e) => {
                let table = self.enum_tables(id);
                s.push_str(&Self::disc_set(e.tag(), "a", &format!("{table}[v]")));
            }
            TypeDefKind::Variant(v) => {
                let tag = v.tag();
                let off = self.wit.payload_offset(tag, v.cases.iter().map(|c| c.ty.as_ref()));
                s.push_str("switch (v.tag) {\n");
                for (i, c) in v.cases.iter().enumerate() {
                    writeln!(s, "case {}: {{", js_str(&c.name)).unwrap();
                    s.push_str(&Self::disc_set(tag, "a", &i.to_string()));
                    if let Some(t) = &c.ty {
                        let var = self.fresh("x");
                        writeln!(s, "const {var} = v.val;").unwrap();
                        s.push_str(&self.store(t, &var, &format!("a + {off}"))?);
                    }
                    s.push_str("break;\n}\n");
                }
                s.push_str("}\n");
            }
            other => bail!("the JS generator does not support WIT {} types", other.as_str()),
        }
        s.push_str("}\n");
        Ok(s)
    }

    // ---------------------------------------------------------------- flat lowering

    /// The flat core types of `ty` (variants joined), from wit-parser's flattening.
    fn flat_types(&self, ty: &Type) -> Result<Vec<Flat>> {
        let flat = self.wit.flat(ty).context("a type of more than 16 flat values is never lowered flat")?;
        Ok(flat.iter().map(Flat::from_wasm).collect())
    }

    /// Statements lowering `v` (checked) to flat values, and the flat values' expressions.
    fn lower_flat(&mut self, ty: &Type, v: &str, now_default: bool) -> Result<(String, Vec<String>)> {
        Ok(match ty {
            Type::Bool => (String::new(), vec![format!("({v} ? 1 : 0)")]),
            Type::U8 | Type::U16 | Type::U32 | Type::S8 | Type::S16 | Type::S32 | Type::F32 | Type::F64 => {
                (String::new(), vec![v.to_string()])
            }
            Type::U64 | Type::S64 => {
                if now_default {
                    (String::new(), vec![format!("BigInt({v} ?? clock())")])
                } else {
                    (String::new(), vec![format!("BigInt({v})")])
                }
            }
            Type::String => {
                let p = self.fresh("sp");
                let n = self.fresh("sn");
                (format!("const {p} = m.str({v}), {n} = m.len;\n"), vec![p, n])
            }
            Type::Char | Type::ErrorContext => bail!("the JS generator does not support WIT {ty:?}"),
            Type::Id(id) => {
                let id = self.wit.resolve_alias(*id);
                let def = self.def(id);
                match &def.kind {
                    TypeDefKind::Type(t) => self.lower_flat(t, v, now_default)?,
                    TypeDefKind::Record(r) => {
                        let mut code = String::new();
                        let mut out = Vec::new();
                        for f in &r.fields {
                            let var = self.fresh("f");
                            writeln!(code, "const {var} = {v}.{};", lower_camel(&f.name)).unwrap();
                            let (c, e) = self.lower_flat(&f.ty, &var, f.name == "now" && f.ty == Type::S64)?;
                            code.push_str(&c);
                            out.extend(e);
                        }
                        (code, out)
                    }
                    TypeDefKind::Enum(_) => {
                        let table = self.enum_tables(id);
                        (String::new(), vec![format!("{table}[{v}]")])
                    }
                    TypeDefKind::List(Type::U8) => {
                        let p = self.fresh("bp");
                        let n = self.fresh("bn");
                        (format!("const {p} = m.bytes({v}), {n} = m.len;\n"), vec![p, n])
                    }
                    TypeDefKind::List(t) => {
                        let (p, code) = self.store_list(t, v)?;
                        (code, vec![p, format!("{v}.length")])
                    }
                    TypeDefKind::Option(t) => {
                        let cases = vec![(String::from("null"), None), (String::from("some"), Some(*t))];
                        self.lower_flat_cases(ty, v, &cases, true)?
                    }
                    TypeDefKind::Variant(var) => {
                        let cases: Vec<(String, Option<Type>)> =
                            var.cases.iter().map(|c| (c.name.clone(), c.ty)).collect();
                        self.lower_flat_cases(ty, v, &cases, false)?
                    }
                    other => bail!("the JS generator does not support WIT {} types here", other.as_str()),
                }
            }
        })
    }

    /// Flat lowering of a variant (or an option): the joined slots, filled per case, with each
    /// payload value converted to its slot's type (f32 bits in an i32, f64 bits or a zero-extended
    /// i32 in an i64), the unused slots zero.
    fn lower_flat_cases(
        &mut self,
        ty: &Type,
        v: &str,
        cases: &[(String, Option<Type>)],
        option: bool,
    ) -> Result<(String, Vec<String>)> {
        let joined = self.flat_types(ty)?;
        let vars: Vec<String> = joined.iter().map(|_| self.fresh("j")).collect();
        let mut code = String::new();
        for (var, f) in vars.iter().zip(&joined) {
            writeln!(code, "let {var} = {};", f.zero()).unwrap();
        }
        let mut branches = Vec::new();
        for (i, (name, cty)) in cases.iter().enumerate() {
            let mut b = format!("{} = {i};\n", vars[0]);
            if let Some(t) = cty {
                let value = if option { v.to_string() } else { format!("{v}.val") };
                let pv = self.fresh("pv");
                writeln!(b, "const {pv} = {value};").unwrap();
                let (c, exprs) = self.lower_flat(t, &pv, false)?;
                b.push_str(&c);
                let have = self.flat_types(t)?;
                for (k, (e, h)) in exprs.iter().zip(have).enumerate() {
                    let want = joined[k + 1];
                    let converted = match (h, want) {
                        (a, b) if a == b => e.clone(),
                        (Flat::F32, Flat::I32) => format!("f32Bits({e})"),
                        (Flat::I32, Flat::I64) => format!("BigInt(({e}) >>> 0)"),
                        (Flat::F32, Flat::I64) => format!("BigInt(f32Bits({e}) >>> 0)"),
                        (Flat::F64, Flat::I64) => format!("f64Bits({e})"),
                        (a, b) => bail!("no flat conversion from {a:?} to {b:?}"),
                    };
                    writeln!(b, "{} = {converted};", vars[k + 1]).unwrap();
                }
            }
            branches.push((name.clone(), b));
        }
        if option {
            writeln!(code, "if ({v} == null) {{\n{}}} else {{\n{}}}", branches[0].1, branches[1].1).unwrap();
        } else {
            writeln!(code, "switch ({v}.tag) {{").unwrap();
            for (name, b) in branches {
                writeln!(code, "case {}: {{\n{b}break;\n}}", js_str(&name)).unwrap();
            }
            code.push_str("}\n");
        }
        Ok((code, vars))
    }

    // ---------------------------------------------------------------- lift (from memory)

    /// A JS expression reading a value of `ty` at address `a` (through `dv`).
    fn load(&mut self, ty: &Type, a: &str) -> Result<String> {
        Ok(match ty {
            Type::Bool => format!("(dv.getUint8({a}) !== 0)"),
            Type::U8 => format!("dv.getUint8({a})"),
            Type::S8 => format!("dv.getInt8({a})"),
            Type::U16 => format!("dv.getUint16({a}, true)"),
            Type::S16 => format!("dv.getInt16({a}, true)"),
            Type::U32 => format!("dv.getUint32({a}, true)"),
            Type::S32 => format!("dv.getInt32({a}, true)"),
            Type::U64 => format!("dv.getBigUint64({a}, true)"),
            Type::S64 => format!("dv.getBigInt64({a}, true)"),
            Type::F32 => format!("dv.getFloat32({a}, true)"),
            Type::F64 => format!("dv.getFloat64({a}, true)"),
            Type::String => format!("m.text(dv.getUint32({a}, true), dv.getUint32({a} + 4, true))"),
            Type::Char | Type::ErrorContext => bail!("the JS generator does not support WIT {ty:?}"),
            Type::Id(id) => {
                let id = self.wit.resolve_alias(*id);
                let def = self.def(id);
                if def.name.is_some() && !matches!(def.kind, TypeDefKind::Type(_)) {
                    let h = format!("ld_{}", self.helper_stem(id));
                    if !self.helpers.contains_key(&h) {
                        self.add_helper(&h, String::new());
                        let code = self.load_helper(id, &h)?;
                        self.helpers.insert(h.clone(), code);
                    }
                    return Ok(format!("{h}(m, dv, {a})"));
                }
                match &def.kind {
                    TypeDefKind::Type(t) => self.load(t, a)?,
                    TypeDefKind::Option(t) => {
                        let off = self.wit.payload_offset(Int::U8, [None, Some(t)]);
                        let inner = self.load(t, &format!("{a} + {off}"))?;
                        format!("(dv.getUint8({a}) === 0 ? undefined : {inner})")
                    }
                    TypeDefKind::List(Type::U8) => {
                        format!("m.copy(dv.getUint32({a}, true), dv.getUint32({a} + 4, true))")
                    }
                    TypeDefKind::List(t) => {
                        let size = self.wit.size(t);
                        let h = self.fresh("ld_list");
                        let inner = self.load(t, &format!("p + i * {size}"))?;
                        self.add_helper(
                            &h,
                            format!("function {h}(m, dv, a) {{\nconst p = dv.getUint32(a, true), n = dv.getUint32(a + 4, true);\nconst out = new Array(n);\nfor (let i = 0; i < n; i++) out[i] = {inner};\nreturn out;\n}}\n"),
                        );
                        format!("{h}(m, dv, {a})")
                    }
                    other => bail!("the JS generator does not support WIT {} types here", other.as_str()),
                }
            }
        })
    }

    fn load_helper(&mut self, id: TypeId, h: &str) -> Result<String> {
        let def = self.def(id);
        let mut s = format!("function {h}(m, dv, a) {{\n");
        match &def.kind {
            TypeDefKind::Record(r) => {
                let types: Vec<&Type> = r.fields.iter().map(|f| &f.ty).collect();
                let offsets = self.wit.field_offsets(types);
                let secrets: Vec<String> =
                    r.fields.iter().filter(|f| holds_secret(&f.name)).map(|f| js_str(&lower_camel(&f.name))).collect();
                s.push_str(if secrets.is_empty() { "return {\n" } else { "return redacted({\n" });
                for (f, off) in r.fields.iter().zip(offsets) {
                    let e = self.load(&f.ty, &format!("a + {off}"))?;
                    writeln!(s, "{}: {e},", lower_camel(&f.name)).unwrap();
                }
                if secrets.is_empty() {
                    s.push_str("};\n");
                } else {
                    writeln!(s, "}}, [{}]);", secrets.join(", ")).unwrap();
                }
            }
            TypeDefKind::Enum(e) => {
                let stem = self.helper_stem(id);
                self.enum_tables(id);
                let get = Self::disc_get(e.tag(), "a");
                writeln!(s, "const c = N_{stem}[{get}];\nif (c === undefined) throw new Error('paywit: the component returned an unknown {} case');\nreturn c;", def.name.as_deref().unwrap()).unwrap();
            }
            TypeDefKind::Variant(v) => {
                let tag = v.tag();
                let off = self.wit.payload_offset(tag, v.cases.iter().map(|c| c.ty.as_ref()));
                writeln!(s, "switch ({}) {{", Self::disc_get(tag, "a")).unwrap();
                for (i, c) in v.cases.iter().enumerate() {
                    match &c.ty {
                        Some(t) => {
                            let e = self.load(t, &format!("a + {off}"))?;
                            writeln!(s, "case {i}: return {{ tag: {}, val: {e} }};", js_str(&c.name)).unwrap();
                        }
                        None => writeln!(s, "case {i}: return {{ tag: {} }};", js_str(&c.name)).unwrap(),
                    }
                }
                writeln!(
                    s,
                    "default: throw new Error('paywit: the component returned an unknown {} case');\n}}",
                    def.name.as_deref().unwrap()
                )
                .unwrap();
            }
            other => bail!("the JS generator does not support WIT {} types", other.as_str()),
        }
        s.push_str("}\n");
        Ok(s)
    }

    /// A JS expression for a single flat result `r` of type `ty`.
    fn lift_flat(&mut self, ty: &Type, r: &str) -> Result<String> {
        Ok(match ty {
            Type::Bool => format!("({r} !== 0)"),
            Type::U8 => format!("({r} & 0xff)"),
            Type::U16 => format!("({r} & 0xffff)"),
            Type::U32 => format!("({r} >>> 0)"),
            Type::S8 => format!("({r} << 24 >> 24)"),
            Type::S16 => format!("({r} << 16 >> 16)"),
            Type::S32 | Type::F32 | Type::F64 | Type::S64 => r.to_string(),
            Type::U64 => format!("BigInt.asUintN(64, {r})"),
            Type::Id(id) => {
                let id = self.wit.resolve_alias(*id);
                match &self.def(id).kind {
                    TypeDefKind::Type(t) => self.lift_flat(t, r)?,
                    TypeDefKind::Enum(_) => {
                        self.enum_tables(id);
                        format!("N_{}[{r}]", self.helper_stem(id))
                    }
                    other => bail!("the JS generator does not lift a flat {} result", other.as_str()),
                }
            }
            other => bail!("the JS generator does not lift a flat {other:?} result"),
        })
    }

    // ---------------------------------------------------------------- functions

    fn function(&mut self, f: &Function) -> Result<()> {
        let name = lower_camel(&f.name);
        let sig = self.wit.signature(f);
        let core = self.wit.core_export_name(self.iface.id, f);
        let post = f.result.as_ref().is_some_and(|t| self.wit.owns_memory(t));
        // Parameters in WIT order, a `now: s64` moved last and optional.
        let mut order: Vec<usize> =
            (0..f.params.len()).filter(|&i| !(f.params[i].name == "now" && f.params[i].ty == Type::S64)).collect();
        let has_now = order.len() != f.params.len();
        if has_now {
            order.push(f.params.iter().position(|p| p.name == "now").unwrap());
        }
        let js_params: Vec<String> = order.iter().map(|&i| lower_camel(&f.params[i].name)).collect();
        let arg = |i: usize| lower_camel(&f.params[i].name);

        // .d.ts
        let mut doc: Vec<String> = doc_lines(&f.docs).iter().map(|s| s.to_string()).collect();
        if has_now {
            doc.push(String::new());
            doc.push("`now` (Unix seconds) defaults to the current time.".into());
        }
        let mut ts_params = Vec::new();
        // Trailing optional parameters (options, `now`) may be left out.
        let mut optional_tail = true;
        let mut rendered = Vec::new();
        for &i in order.iter().rev() {
            let p = &f.params[i];
            let is_now = p.name == "now" && p.ty == Type::S64;
            let is_option = matches!(&p.ty, Type::Id(id) if matches!(self.def(*id).kind, TypeDefKind::Option(_)));
            let ty = self.ts_param(&p.ty)?;
            let opt = optional_tail && (is_now || is_option);
            if !opt {
                optional_tail = false;
            }
            rendered.push(format!("{}{}: {ty}", arg(i), if opt { "?" } else { "" }));
        }
        rendered.reverse();
        ts_params.extend(rendered);
        let (ret_ts, err_id) = match &f.result {
            None => ("void".to_string(), None),
            Some(Type::Id(id)) if matches!(self.def(*id).kind, TypeDefKind::Result(_)) => {
                let TypeDefKind::Result(r) = &self.def(*id).kind else { unreachable!() };
                let ok = match &r.ok {
                    Some(t) => self.ts_type(t)?,
                    None => "void".into(),
                };
                let err = match r.err {
                    Some(Type::Id(e)) => self.wit.resolve_alias(e),
                    _ => bail!("{}: a function's error type must be a named variant or enum", f.name),
                };
                (ok, Some(err))
            }
            Some(t) => (self.ts_type(t)?, None),
        };
        if let Some(e) = err_id {
            let class = names::error_class(self.def(e).name.as_deref().unwrap());
            let owner = self.wit.owner(e).unwrap();
            if owner != self.iface.id {
                let module = format!("./{}.js", self.iface_name(owner));
                self.ts_imports.entry(module).or_default().insert(class.clone());
            }
            doc.push(format!("@throws {{{class}}} the component's error (`code` names the case)."));
        }
        doc.push("@throws {InvalidArgumentError} an argument that does not fit its WIT type, before anything reaches the component.".into());
        let doc_refs: Vec<&str> = doc.iter().map(|s| s.as_str()).collect();
        self.functions_ts.push_str(&tsdoc(&doc_refs, ""));
        writeln!(self.functions_ts, "export declare function {name}({}): {ret_ts};\n", ts_params.join(", ")).unwrap();

        // .js
        let mut s = format!(
            "/** {} */\nexport function {name}({}) {{\n",
            doc_lines(&f.docs).first().copied().unwrap_or(&f.name).replace("*/", "*\\/"),
            js_params.join(", ")
        );
        // Each argument is read once, by its check; the lowering reads only the captured values.
        let mut captured = Vec::new();
        for (i, p) in f.params.iter().enumerate() {
            let v = arg(i);
            let (check, c) = self.check(&p.ty, &v, &js_str(&v))?;
            if p.name == "now" && p.ty == Type::S64 {
                writeln!(s, "if ({v} !== undefined) {{\n{check}}}").unwrap();
            } else {
                s.push_str(&check);
            }
            captured.push(c);
        }
        let arg = |i: usize| captured[i].clone();
        let fn_var = format!("F_{}", f.name.replace('-', "_"));
        let post_var = format!("P_{}", f.name.replace('-', "_"));
        // The call's instance and DataView are locals: a call never sees another call's.
        s.push_str("const m = instance();\nlet ret, out, fail;\ntry {\nlet dv = m.view();\n");
        let mut call_args = Vec::new();
        if sig.indirect_params {
            let types: Vec<&Type> = f.params.iter().map(|p| &p.ty).collect();
            let offsets = self.wit.field_offsets(types.iter().copied());
            let (size, align) = self.wit.record_layout(types.iter().copied());
            writeln!(s, "const pa = m.alloc({size}, {align});\ndv = m.view();").unwrap();
            for (i, (p, off)) in f.params.iter().zip(offsets).enumerate() {
                let v = arg(i);
                if p.name == "now" && p.ty == Type::S64 {
                    writeln!(s, "dv.setBigInt64(pa + {off}, BigInt({v} ?? clock()), true);").unwrap();
                } else {
                    s.push_str(&self.store(&p.ty, &v, &format!("pa + {off}"))?);
                }
            }
            call_args.push("pa".to_string());
        } else {
            let mut flat_count = 0;
            for (i, p) in f.params.iter().enumerate() {
                let v = arg(i);
                let (code, exprs) = self.lower_flat(&p.ty, &v, p.name == "now" && p.ty == Type::S64)?;
                s.push_str(&code);
                flat_count += exprs.len();
                call_args.extend(exprs);
            }
            if flat_count != sig.params.len() {
                bail!(
                    "{}: {flat_count} flat parameters generated, the core signature has {}",
                    f.name,
                    sig.params.len()
                );
            }
        }
        writeln!(s, "ret = m.e[{fn_var}]({});", call_args.join(", ")).unwrap();
        self.core_names.push(core.clone());
        match &f.result {
            None => {}
            Some(t) if !sig.retptr => {
                if sig.results.len() != 1 {
                    bail!("{}: unexpected core results {:?}", f.name, sig.results);
                }
                let e = self.lift_flat(t, "ret")?;
                writeln!(s, "out = {e};").unwrap();
            }
            Some(t) => {
                s.push_str("const r = ret >>> 0;\ndv = m.view();\n");
                if let Some(err) = err_id {
                    let Type::Id(rid) = t else { unreachable!() };
                    let TypeDefKind::Result(res) = &self.def(*rid).kind else { unreachable!() };
                    let off = self.wit.payload_offset(Int::U8, [res.ok.as_ref(), res.err.as_ref()]);
                    let ok = match &res.ok {
                        Some(t) => self.load(t, &format!("r + {off}"))?,
                        None => "undefined".into(),
                    };
                    let errv = self.load(res.err.as_ref().unwrap(), &format!("r + {off}"))?;
                    let raise = self.raise(err, "ev")?;
                    writeln!(
                        s,
                        "if (dv.getUint8(r) === 0) out = {ok};\nelse {{\nconst ev = {errv};\nfail = {raise};\n}}"
                    )
                    .unwrap();
                } else {
                    let e = self.load(t, "r")?;
                    writeln!(s, "out = {e};").unwrap();
                }
            }
        }
        if post {
            writeln!(s, "m.e[{post_var}](ret);").unwrap();
            self.core_names.push(format!("cabi_post_{core}"));
        }
        s.push_str("} catch (error) {\nlost(m);\nthrow error;\n}\ndone(m);\n");
        if err_id.is_some() {
            s.push_str("if (fail !== undefined) throw fail;\n");
        }
        s.push_str("return out;\n}\n\n");
        self.functions_js.push_str(&s);
        self.add_helper(&fn_var, format!("const {fn_var} = {};\n", js_str(&core)));
        if post {
            self.add_helper(&post_var, format!("const {post_var} = {};\n", js_str(&format!("cabi_post_{core}"))));
        }
        self.value_names.push(name);
        Ok(())
    }

    // ---------------------------------------------------------------- output

    fn js(&self) -> String {
        let mut out = banner("//");
        let docs = doc_lines(&self.wit.resolve.interfaces[self.iface.id].docs);
        writeln!(out, "// paywit:gateway/{} (wit/{}.wit).", self.iface.name, self.iface.name).unwrap();
        for l in docs {
            writeln!(out, "// {l}").unwrap();
        }
        out.push_str("/* eslint-disable */\n\n");
        let needs_runtime = !self.functions_js.is_empty();
        // Import only what the module's code uses.
        let body =
            format!("{}{}{}", self.errors_js, self.helpers.values().cloned().collect::<String>(), self.functions_js);
        let uses = |name: &str| body.contains(&format!("{name}(")) || body.contains(&format!("extends {name} "));
        let errors: Vec<&str> = ["PaywitError", "invalid", "makeError"].into_iter().filter(|n| uses(n)).collect();
        if !errors.is_empty() {
            writeln!(out, "import {{ {} }} from '../errors.js';", errors.join(", ")).unwrap();
        }
        if needs_runtime {
            let mut runtime: Vec<&str> =
                ["clock", "f32Bits", "f64Bits", "isS64", "isU64", "redacted", "u8view", "wellFormed"]
                    .into_iter()
                    .filter(|n| uses(n))
                    .collect();
            runtime.extend(["done", "instance", "lost", "register"]);
            runtime.sort();
            writeln!(out, "import {{ {} }} from '../runtime.js';", runtime.join(", ")).unwrap();
        }
        for (module, names) in &self.js_imports {
            writeln!(out, "import {{ {} }} from '{module}';", names.iter().cloned().collect::<Vec<_>>().join(", "))
                .unwrap();
        }
        writeln!(out, "\n/** The WIT digest this module was generated from (`abi.json` carries the component's). */\nexport const DIGEST = '{}';", self.digest).unwrap();
        if needs_runtime {
            writeln!(
                out,
                "/** The core exports this module calls. */\nconst CORE = {};",
                serde_json::to_string(&self.core_names).unwrap()
            )
            .unwrap();
            out.push_str("register(DIGEST, CORE);\n\n");
        }
        out.push_str(&self.errors_js);
        for h in &self.helper_order {
            out.push_str(&self.helpers[h]);
        }
        out.push('\n');
        out.push_str(&self.functions_js);
        indent_js(&out)
    }

    fn dts(&self) -> String {
        let mut out = banner("//");
        let docs = doc_lines(&self.wit.resolve.interfaces[self.iface.id].docs);
        writeln!(out, "// paywit:gateway/{} (wit/{}.wit).", self.iface.name, self.iface.name).unwrap();
        out.push_str(&tsdoc(&docs, ""));
        if !self.errors_ts.is_empty() {
            out.push_str("import { PaywitError } from '../errors.js';\n");
        }
        if !self.functions_ts.is_empty() {
            out.push_str("import type { InvalidArgumentError } from '../errors.js';\n");
        }
        for (module, names) in &self.ts_imports {
            let names: Vec<String> = names.iter().cloned().collect();
            writeln!(out, "import type {{ {} }} from '{module}';", names.join(", ")).unwrap();
        }
        out.push_str(
            "\n/** The WIT digest this module was generated from. */\nexport declare const DIGEST: string;\n\n",
        );
        out.push_str(&self.types_ts);
        out.push_str(&self.errors_ts);
        out.push_str(&self.functions_ts);
        out
    }
}

/// Indents the generated JS by its braces (two spaces), so the committed files read normally.
fn indent_js(code: &str) -> String {
    let mut out = String::new();
    let mut depth: usize = 0;
    for line in code.lines() {
        let t = line.trim();
        if t.is_empty() {
            out.push('\n');
            continue;
        }
        let d = if t.starts_with('}') { depth.saturating_sub(1) } else { depth };
        if t.starts_with("//") || t.starts_with("/*") || t.starts_with('*') {
            out.push_str(&"  ".repeat(d));
            out.push_str(t);
            out.push('\n');
            continue;
        }
        out.push_str(&"  ".repeat(d));
        out.push_str(t);
        out.push('\n');
        let mut in_str: Option<char> = None;
        let mut prev = ' ';
        for c in t.chars() {
            match in_str {
                Some(q) => {
                    if c == q && prev != '\\' {
                        in_str = None;
                    }
                }
                None => match c {
                    '\'' | '"' | '`' => in_str = Some(c),
                    '{' => depth += 1,
                    '}' => depth = depth.saturating_sub(1),
                    _ => {}
                },
            }
            prev = if prev == '\\' && c == '\\' { ' ' } else { c };
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole backend runs on the WIT: two files per interface plus `api.js` and `api.d.ts`,
    /// each with the banner.
    #[test]
    fn every_interface_generates() {
        let wit = Wit::load(&crate::root().join("wit")).unwrap();
        let interfaces = wit.interfaces();
        let output = generate(&wit).unwrap();
        assert_eq!(output.files.len(), 2 * interfaces.len() + 2);
        assert!(output.files.iter().all(|f| f.contents.starts_with(&banner("//"))));
    }

    /// A variant whose cases carry an f64, an i64 and an i32 joins them into i64 slots.
    #[test]
    fn variant_joins() {
        let wit = Wit::load(&crate::root().join("wit")).unwrap();
        let retry = wit.interfaces().into_iter().find(|i| i.name == "retry").unwrap();
        let schedule = wit.own_types(retry.id).into_iter().find(|(n, _)| *n == "schedule").unwrap().1;
        let m = Module::new(&wit, &retry, "");
        // explicit(list<u64>) = [i32, i32]; exponential(record { u64, f64, u64 }) = [i64, f64, i64].
        assert_eq!(m.flat_types(&Type::Id(schedule)).unwrap(), vec![Flat::I32, Flat::I64, Flat::I64, Flat::I64]);
    }

    /// A WIT construct the backend does not map makes it fail, naming the construct.
    #[test]
    fn unsupported_wit_is_refused_by_name() {
        for (item, expect) in [
            ("flags perms { read, write }\n    f: func(p: perms);", "flags"),
            ("f: func(p: tuple<u32, u32>);", "tuple"),
            ("f: func(c: char);", "Char"),
            ("f: func(r: result<u32, u32>);", "result"),
            ("resource thing;\n    f: func(t: borrow<thing>);", "resource"),
        ] {
            let dir = std::env::temp_dir().join(format!("paywit-js-unsupported-{}-{expect}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(
                dir.join("w.wit"),
                format!(
                    "package paywit:gateway@0.1.0;\ninterface i {{\n    {item}\n}}\nworld paywit {{ export i; }}\n"
                ),
            )
            .unwrap();
            let wit = Wit::load(&dir).unwrap();
            let error = generate(&wit).err().unwrap_or_else(|| panic!("{expect} was accepted")).to_string();
            assert!(error.contains(expect), "{expect}: {error}");
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }
}
