//! The Python backend: one module per WIT interface, `packages/python/paywit/<interface>.py`,
//! plus `paywit/_exports.py` (the package's flat names). See docs/CODEGEN.md for the mapping
//! rules and packages/python/CODEGEN.md for what this backend decides beyond them.
//!
//! Every module holds the interface's types (frozen kw_only dataclasses, str enums, a base class
//! plus one dataclass per variant case, exception families for error types), and one function
//! per export whose body is straight-line code: check every argument, lower it at offsets
//! computed here (flat slots, or one indirect parameter block), call the core export, lift the
//! answer from the return area, call `cabi_post_`, return or raise. The Python side does no
//! layout computation.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use anyhow::{bail, Result};
use wit_parser::abi::WasmType;
use wit_parser::{Docs, Function, Int, InterfaceId, Type, TypeDefKind, TypeId};

use super::{banner, doc_lines, holds_secret, names, File, Output, Wit};

const PACKAGE_DIR: &str = "packages/python/paywit";
const MAX_FLAT_PARAMS: usize = 16;

/// The python package's generated files.
pub fn generate(wit: &Wit) -> Result<Output> {
    let gen = Gen::new(wit)?;
    let mut files = Vec::new();
    for interface in wit.interfaces() {
        files.push(File {
            path: PathBuf::from(format!("{PACKAGE_DIR}/{}.py", interface.name)),
            contents: gen.module(interface.name, interface.id)?,
        });
    }
    files.push(File { path: PathBuf::from(format!("{PACKAGE_DIR}/_exports.py")), contents: gen.exports()? });
    Ok(Output { dirs: vec![PathBuf::from(PACKAGE_DIR)], files })
}

const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
    "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
    "not", "or", "pass", "raise", "return", "try", "while", "with", "yield", "match", "case", "type",
];

/// A Python identifier (snake_case) for a WIT name: keywords get a trailing `_`.
fn ident(name: &str) -> String {
    let snake = names::snake(name);
    if KEYWORDS.contains(&snake.as_str()) {
        format!("{snake}_")
    } else {
        snake
    }
}

fn flat_kind(t: WasmType) -> WasmType {
    match t {
        WasmType::Pointer | WasmType::Length => WasmType::I32,
        WasmType::PointerOrI64 => WasmType::I64,
        other => other,
    }
}

fn slot_field(t: WasmType) -> &'static str {
    match flat_kind(t) {
        WasmType::I32 => "i32",
        WasmType::I64 => "i64",
        WasmType::F32 => "f32",
        WasmType::F64 => "f64",
        _ => unreachable!(),
    }
}

/// A docstring literal (indented by `indent`) from WIT docs, or `fallback` when there are none.
fn docstring(docs: &Docs, fallback: &str, indent: &str) -> String {
    let mut lines: Vec<String> = doc_lines(docs).iter().map(|l| l.trim_end().to_string()).collect();
    if lines.iter().all(|l| l.trim().is_empty()) {
        lines = vec![fallback.to_string()];
    }
    let text = lines.join("\n").replace('\\', "\\\\").replace("\"\"\"", "\\\"\\\"\\\"");
    let text = text.trim_matches('\n').to_string();
    let mut out = String::new();
    let mut first = true;
    for line in text.lines() {
        if first {
            out.push_str(line);
            first = false;
        } else if line.trim().is_empty() {
            out.push('\n');
        } else {
            out.push('\n');
            out.push_str(indent);
            out.push_str(line.trim_start());
        }
    }
    if out.ends_with('"') {
        out.push(' ');
    }
    if text.contains('\n') {
        format!("{indent}\"\"\"{out}\n{indent}\"\"\"\n")
    } else {
        format!("{indent}\"\"\"{out}\"\"\"\n")
    }
}

/// How a named type is represented.
#[derive(Clone)]
struct Named {
    /// The defining interface's module (`webhooks`).
    module: String,
    /// The WIT name (`verify-error`).
    wit_name: String,
    /// The data class (record, enum, variant base), if the type is used as data.
    class: Option<String>,
    /// The exception base, if the type is a function's error type.
    error: Option<String>,
}

struct Gen<'a> {
    wit: &'a Wit,
    named: BTreeMap<TypeId, Named>,
    digest: String,
}

/// Lines of Python with a running counter for fresh local names.
struct Code {
    lines: String,
    counter: usize,
}

impl Code {
    fn new() -> Code {
        Code { lines: String::new(), counter: 0 }
    }
    fn line(&mut self, indent: usize, text: impl AsRef<str>) {
        for _ in 0..indent {
            self.lines.push_str("    ");
        }
        self.lines.push_str(text.as_ref());
        self.lines.push('\n');
    }
    fn fresh(&mut self, stem: &str) -> String {
        self.counter += 1;
        format!("_{stem}{}", self.counter)
    }
}

/// `base + k` as a Python expression.
fn at(base: &str, k: usize) -> String {
    if k == 0 {
        base.to_string()
    } else if base == "0" {
        k.to_string()
    } else {
        format!("{base} + {k}")
    }
}

impl<'a> Gen<'a> {
    fn new(wit: &'a Wit) -> Result<Gen<'a>> {
        let mut gen = Gen { wit, named: BTreeMap::new(), digest: wit.abi_digest() };
        // Which named types are error types, and which are used as data.
        let mut errors = BTreeSet::new();
        let mut data = BTreeSet::new();
        for interface in wit.interfaces() {
            for function in wit.functions(interface.id) {
                for param in &function.params {
                    gen.mark_data(&param.ty, &mut data)?;
                }
                let Some(result) = &function.result else { continue };
                if let Some((ok, err)) = gen.as_result(result) {
                    if let Some(ok) = ok {
                        gen.mark_data(&ok, &mut data)?;
                    }
                    let Some(Type::Id(err)) = err else {
                        bail!("python codegen: {}: a result's error must be a named variant or enum", function.name)
                    };
                    let err = wit.resolve_alias(err);
                    match &wit.resolve.types[err].kind {
                        TypeDefKind::Variant(v) => {
                            for case in &v.cases {
                                if let Some(ty) = &case.ty {
                                    gen.mark_data(ty, &mut data)?;
                                }
                            }
                        }
                        TypeDefKind::Enum(_) => {}
                        _ => {
                            bail!("python codegen: {}: a result's error must be a named variant or enum", function.name)
                        }
                    }
                    errors.insert(err);
                } else {
                    gen.mark_data(result, &mut data)?;
                }
            }
        }
        for interface in wit.interfaces() {
            for (name, ty) in wit.own_types(interface.id) {
                let upper = names::upper_camel(name);
                let error = errors.contains(&ty).then(|| names::error_class(name));
                let class = if data.contains(&ty) || !errors.contains(&ty) {
                    Some(if error.as_deref() == Some(upper.as_str()) { format!("{upper}Value") } else { upper })
                } else {
                    None
                };
                gen.named
                    .insert(ty, Named { module: interface.name.to_string(), wit_name: name.to_string(), class, error });
            }
        }
        // Names must not collide within a module.
        for interface in wit.interfaces() {
            let mut seen = BTreeSet::new();
            for name in gen.module_names(interface.id) {
                if !seen.insert(name.clone()) {
                    bail!("python codegen: the name {name} is generated twice in paywit.{}", interface.name);
                }
            }
        }
        Ok(gen)
    }

    /// `Some((ok, err))` when `ty` is a result.
    fn as_result(&self, ty: &Type) -> Option<(Option<Type>, Option<Type>)> {
        let Type::Id(id) = ty else { return None };
        match &self.wit.resolve.types[self.wit.resolve_alias(*id)].kind {
            TypeDefKind::Result(r) => Some((r.ok, r.err)),
            _ => None,
        }
    }

    /// Records every named type reachable from `ty` as data; bails on what the backend cannot map.
    fn mark_data(&self, ty: &Type, data: &mut BTreeSet<TypeId>) -> Result<()> {
        let Type::Id(id) = ty else {
            return match ty {
                Type::Char => bail!("python codegen: `char` is not supported"),
                Type::ErrorContext => bail!("python codegen: `error-context` is not supported"),
                _ => Ok(()),
            };
        };
        let id = self.wit.resolve_alias(*id);
        let def = &self.wit.resolve.types[id];
        match &def.kind {
            TypeDefKind::Record(r) => {
                if data.insert(id) {
                    for f in &r.fields {
                        self.mark_data(&f.ty, data)?;
                    }
                }
            }
            TypeDefKind::Variant(v) => {
                if data.insert(id) {
                    for c in &v.cases {
                        if let Some(t) = &c.ty {
                            self.mark_data(t, data)?;
                        }
                    }
                }
            }
            TypeDefKind::Enum(_) => {
                data.insert(id);
            }
            TypeDefKind::Option(t) => {
                if let Type::Id(inner) = t {
                    if matches!(self.wit.resolve.types[self.wit.resolve_alias(*inner)].kind, TypeDefKind::Option(_)) {
                        bail!("python codegen: option<option<..>> cannot be told apart from none in Python");
                    }
                }
                self.mark_data(t, data)?;
            }
            TypeDefKind::List(t) => self.mark_data(t, data)?,
            TypeDefKind::Result(_) => bail!("python codegen: a result is supported only as a function's answer"),
            TypeDefKind::Tuple(_) => bail!("python codegen: tuples are not supported yet"),
            TypeDefKind::Flags(_) => bail!("python codegen: flags are not supported yet"),
            TypeDefKind::Resource | TypeDefKind::Handle(_) => bail!("python codegen: resources are not supported"),
            TypeDefKind::Type(t) => self.mark_data(t, data)?,
            other => bail!("python codegen: unsupported WIT type {other:?}"),
        }
        if def.name.is_none()
            && matches!(def.kind, TypeDefKind::Record(_) | TypeDefKind::Variant(_) | TypeDefKind::Enum(_))
        {
            bail!("python codegen: an anonymous record, variant or enum cannot be named");
        }
        Ok(())
    }

    /// Whether `function`'s error type has a `limit-exceeded` case: its arguments then pass the
    /// hand-written `_limits.guard_<function>` before they are copied into the guest.
    fn limit_guarded(&self, function: &Function) -> bool {
        let Some((_, Some(Type::Id(err)))) = function.result.as_ref().and_then(|r| self.as_result(r)) else {
            return false;
        };
        matches!(self.kind(err), TypeDefKind::Variant(v) if v.cases.iter().any(|c| c.name == "limit-exceeded"))
    }

    fn named(&self, id: TypeId) -> &Named {
        &self.named[&self.wit.resolve_alias(id)]
    }

    fn class(&self, id: TypeId) -> String {
        let n = self.named(id);
        n.class.clone().unwrap_or_else(|| panic!("{} has no data class", n.wit_name))
    }

    fn case_class(&self, id: TypeId, case: &str) -> String {
        let n = self.named(id);
        format!("{}{}", names::upper_camel(&n.wit_name), names::upper_camel(case))
    }

    fn kind(&self, id: TypeId) -> &TypeDefKind {
        &self.wit.resolve.types[self.wit.resolve_alias(id)].kind
    }

    fn shouty(&self, id: TypeId) -> String {
        names::shouty(&self.named(id).wit_name)
    }

    fn snake(&self, id: TypeId) -> String {
        names::snake(&self.named(id).wit_name)
    }

    /// Every public name a module defines or brings in with `use` (its `__all__`).
    fn module_names(&self, iface: InterfaceId) -> Vec<String> {
        let mut out = Vec::new();
        for &ty in self.wit.resolve.interfaces[iface].types.values() {
            let id = self.wit.resolve_alias(ty);
            out.extend(self.type_names(id));
        }
        if self.wit.is_exported(iface) {
            for f in self.wit.functions(iface) {
                out.push(ident(&f.name));
            }
        }
        out
    }

    /// The public names a named type generates.
    fn type_names(&self, id: TypeId) -> Vec<String> {
        let n = self.named(id).clone();
        let mut out = Vec::new();
        if let Some(class) = &n.class {
            out.push(class.clone());
            if let TypeDefKind::Variant(v) = self.kind(id) {
                for c in &v.cases {
                    out.push(self.case_class(id, &c.name));
                }
            }
        }
        if let Some(base) = &n.error {
            out.push(base.clone());
            for case in self.cases(id) {
                out.push(names::error_case_class(&n.wit_name, &case));
            }
        }
        out
    }

    fn cases(&self, id: TypeId) -> Vec<String> {
        match self.kind(id) {
            TypeDefKind::Variant(v) => v.cases.iter().map(|c| c.name.clone()).collect(),
            TypeDefKind::Enum(e) => e.cases.iter().map(|c| c.name.clone()).collect(),
            _ => Vec::new(),
        }
    }

    // ---------- type expressions ----------

    /// The Python annotation of `ty` (`param`: a function parameter, where lists are `Sequence`).
    fn hint(&self, ty: &Type, param: bool) -> String {
        match ty {
            Type::Bool => "bool".into(),
            Type::U8 | Type::U16 | Type::U32 | Type::U64 | Type::S8 | Type::S16 | Type::S32 | Type::S64 => "int".into(),
            Type::F32 | Type::F64 => "float".into(),
            Type::String => "str".into(),
            Type::Char | Type::ErrorContext => unreachable!("refused by mark_data"),
            Type::Id(id) => match self.kind(*id) {
                TypeDefKind::Record(_) | TypeDefKind::Variant(_) | TypeDefKind::Enum(_) => self.class(*id),
                TypeDefKind::Option(t) => format!("Optional[{}]", self.hint(t, param)),
                TypeDefKind::List(Type::U8) => "bytes".into(),
                TypeDefKind::List(t) if param => format!("Sequence[{}]", self.hint(t, param)),
                TypeDefKind::List(t) => format!("List[{}]", self.hint(t, param)),
                TypeDefKind::Type(t) => self.hint(t, param),
                _ => unreachable!("refused by mark_data"),
            },
        }
    }

    fn size(&self, ty: &Type) -> usize {
        self.wit.size(ty)
    }

    fn disc_size(&self, n: usize) -> usize {
        if n <= 1 << 8 {
            1
        } else if n <= 1 << 16 {
            2
        } else {
            4
        }
    }

    fn int_suffix(int: Int) -> &'static str {
        match int {
            Int::U8 => "U8",
            Int::U16 => "U16",
            Int::U32 => "U32",
            Int::U64 => "U64",
        }
    }

    // ---------- checks ----------

    /// Statements that check `v` (a simple expression) against `ty`; `path` is a Python
    /// expression for the argument path, evaluated only on failure for inline checks.
    fn check(&self, code: &mut Code, ind: usize, ty: &Type, v: &str, path: &str) {
        match ty {
            Type::Bool => {
                code.line(ind, format!("if {v} is not True and {v} is not False:"));
                code.line(ind + 1, format!("_bad({v}, {path}, \"must be a bool\")"));
            }
            Type::U8 | Type::U16 | Type::U32 | Type::U64 | Type::S8 | Type::S16 | Type::S32 | Type::S64 => {
                let (kind, low, high) = int_range(ty);
                code.line(ind, format!("if type({v}) is not int or not {low} <= {v} <= {high}:"));
                code.line(ind + 1, format!("_bad_int({v}, {path}, \"{kind}\")"));
            }
            Type::F32 | Type::F64 => {
                code.line(ind, format!("if type({v}) is not float:"));
                code.line(ind + 1, format!("_check_float({v}, {path})"));
            }
            Type::String => {
                code.line(ind, format!("if type({v}) is not str or not {v}.isascii():"));
                code.line(ind + 1, format!("_check_str({v}, {path})"));
            }
            Type::Char | Type::ErrorContext => unreachable!(),
            Type::Id(id) => match self.kind(*id).clone() {
                TypeDefKind::Record(_) | TypeDefKind::Variant(_) => {
                    code.line(ind, format!("_check_{}({v}, {path})", self.snake(*id)));
                }
                TypeDefKind::Enum(_) => {
                    // Its own members or a plain str: a member of another str enum with the same
                    // value is another type's case, refused.
                    code.line(
                        ind,
                        format!(
                            "if not ((type({v}) is str or type({v}) is {}) and {v} in _{}_INDEX):",
                            self.class(*id),
                            self.shouty(*id)
                        ),
                    );
                    code.line(
                        ind + 1,
                        format!("_bad({v}, {path}, \"must be a {} (or one of its case names)\")", self.class(*id)),
                    );
                }
                TypeDefKind::Option(t) => {
                    code.line(ind, format!("if {v} is not None:"));
                    self.check(code, ind + 1, &t, v, path);
                }
                TypeDefKind::List(Type::U8) => {
                    code.line(ind, format!("if not isinstance({v}, (bytes, bytearray, memoryview)):"));
                    code.line(ind + 1, format!("_bad({v}, {path}, \"must be bytes\")"));
                }
                TypeDefKind::List(t) => {
                    code.line(ind, format!("if not isinstance({v}, (list, tuple)):"));
                    code.line(ind + 1, format!("_check_sequence({v}, {path})"));
                    let k = code.fresh("k");
                    let y = code.fresh("y");
                    code.line(ind, format!("for {k}, {y} in enumerate({v}):"));
                    let p = format!("{path} + f\"[{{{k}}}]\"");
                    self.check(code, ind + 1, &t, &y, &p);
                }
                TypeDefKind::Type(t) => self.check(code, ind, &t, v, path),
                _ => unreachable!(),
            },
        }
    }

    // ---------- lowering into memory ----------

    /// Statements storing `v` (a simple expression) of type `ty` into bytearray `buf` at `off`.
    fn store(&self, code: &mut Code, ind: usize, ty: &Type, buf: &str, off: &str, v: &str) {
        match ty {
            Type::Bool => {
                code.line(ind, format!("if {v}:"));
                code.line(ind + 1, format!("{buf}[{off}] = 1"));
            }
            Type::U8
            | Type::U16
            | Type::U32
            | Type::U64
            | Type::S8
            | Type::S16
            | Type::S32
            | Type::S64
            | Type::F32
            | Type::F64 => {
                code.line(ind, format!("_PK_{}({buf}, {off}, {v})", scalar_code(ty)));
            }
            Type::String => {
                let d = code.fresh("d");
                code.line(ind, format!("{d} = {v}.encode()"));
                code.line(ind, format!("_PK_PAIR({buf}, {off}, _m.put({d}, 1), len({d}))"));
            }
            Type::Char | Type::ErrorContext => unreachable!(),
            Type::Id(id) => match self.kind(*id).clone() {
                TypeDefKind::Record(_) | TypeDefKind::Variant(_) => {
                    code.line(ind, format!("_store_{}(_m, {buf}, {off}, {v})", self.snake(*id)));
                }
                TypeDefKind::Enum(e) => {
                    let size = self.disc_size(e.cases.len());
                    code.line(ind, format!("_PK_U{}({buf}, {off}, _{}_INDEX[{v}])", size * 8, self.shouty(*id)));
                }
                TypeDefKind::Option(t) => {
                    let payload = self.wit.payload_offset(Int::U8, [None, Some(&t)]);
                    code.line(ind, format!("if {v} is not None:"));
                    code.line(ind + 1, format!("{buf}[{off}] = 1"));
                    self.store(code, ind + 1, &t, buf, &at_expr(off, payload), v);
                }
                TypeDefKind::List(Type::U8) => {
                    let d = code.fresh("d");
                    code.line(ind, format!("{d} = _as_bytes({v})"));
                    code.line(ind, format!("_PK_PAIR({buf}, {off}, _m.put({d}, 1), len({d}))"));
                }
                TypeDefKind::List(t) => {
                    let (n, lb, k, y) = (code.fresh("n"), code.fresh("lb"), code.fresh("k"), code.fresh("y"));
                    let size = self.size(&t);
                    code.line(ind, format!("{n} = len({v})"));
                    code.line(ind, format!("{lb} = bytearray({n} * {size})"));
                    code.line(ind, format!("for {k}, {y} in enumerate({v}):"));
                    self.store(code, ind + 1, &t, &lb, &format!("{k} * {size}"), &y);
                    code.line(ind, format!("_PK_PAIR({buf}, {off}, _m.put({lb}, {}), {n})", self.wit.align(&t)));
                }
                TypeDefKind::Type(t) => self.store(code, ind, &t, buf, off, v),
                _ => unreachable!(),
            },
        }
    }

    // ---------- lowering into flat slots ----------

    /// Statements writing `v` of type `ty` into the call's slots `_s[start..]`, whose joined core
    /// types are `slots` (indexed from the parameter's first slot `start`).
    fn flat(&self, code: &mut Code, ind: usize, ty: &Type, v: &str, slots: &[WasmType], start: usize) -> Result<()> {
        let leaf = |code: &mut Code, k: usize, own: WasmType, expr: String| {
            let slot = flat_kind(slots[k]);
            let value = match (own, slot) {
                (a, b) if a == b => expr,
                (WasmType::I32, WasmType::I64) => format!("({expr}) & 0xFFFFFFFF"),
                (WasmType::F32, WasmType::I32) | (WasmType::F32, WasmType::I64) => format!("_f32_bits({expr})"),
                (WasmType::F64, WasmType::I64) => format!("_f64_bits({expr})"),
                (a, b) => unreachable!("no join of {a:?} into {b:?}"),
            };
            code.line(ind, format!("_s[{}].{} = {value}", start + k, slot_field(slot)));
        };
        match ty {
            Type::Bool => leaf(code, 0, WasmType::I32, format!("1 if {v} else 0")),
            Type::U8 | Type::U16 | Type::U32 | Type::S8 | Type::S16 | Type::S32 => {
                leaf(code, 0, WasmType::I32, v.to_string())
            }
            Type::U64 | Type::S64 => leaf(code, 0, WasmType::I64, v.to_string()),
            Type::F32 => leaf(code, 0, WasmType::F32, format!("float({v})")),
            Type::F64 => leaf(code, 0, WasmType::F64, format!("float({v})")),
            Type::String => {
                let d = code.fresh("d");
                code.line(ind, format!("{d} = {v}.encode()"));
                leaf(code, 0, WasmType::I32, format!("_m.put({d}, 1)"));
                leaf(code, 1, WasmType::I32, format!("len({d})"));
            }
            Type::Char | Type::ErrorContext => unreachable!(),
            Type::Id(id) => match self.kind(*id).clone() {
                TypeDefKind::Record(r) => {
                    let mut k = 0;
                    for f in &r.fields {
                        let t = code.fresh("f");
                        code.line(ind, format!("{t} = {v}.{}", ident(&f.name)));
                        self.flat(code, ind, &f.ty, &t, &slots[k..], start + k)?;
                        k += self.wit.flat(&f.ty).map(|f| f.len()).unwrap_or(0);
                    }
                }
                TypeDefKind::Enum(_) => leaf(code, 0, WasmType::I32, format!("_{}_INDEX[{v}]", self.shouty(*id))),
                TypeDefKind::Option(t) => {
                    code.line(ind, format!("if {v} is None:"));
                    code.line(ind + 1, format!("_s[{start}].i32 = 0"));
                    code.line(ind, "else:");
                    code.line(ind + 1, format!("_s[{start}].i32 = 1"));
                    self.flat(code, ind + 1, &t, v, &slots[1..], start + 1)?;
                }
                TypeDefKind::Variant(var) => {
                    let c = code.fresh("c");
                    code.line(ind, format!("{c} = _{}_INDEX[type({v})]", self.shouty(*id)));
                    leaf(code, 0, WasmType::I32, c.clone());
                    for case in &var.cases {
                        let Some(t) = &case.ty else { continue };
                        code.line(ind, format!("if isinstance({v}, {}):", self.case_class(*id, &case.name)));
                        let p = code.fresh("p");
                        code.line(ind + 1, format!("{p} = {v}.value"));
                        self.flat(code, ind + 1, t, &p, &slots[1..], start + 1)?;
                    }
                }
                TypeDefKind::List(Type::U8) => {
                    let d = code.fresh("d");
                    code.line(ind, format!("{d} = _as_bytes({v})"));
                    leaf(code, 0, WasmType::I32, format!("_m.put({d}, 1)"));
                    leaf(code, 1, WasmType::I32, format!("len({d})"));
                }
                TypeDefKind::List(t) => {
                    let (n, lb, k, y) = (code.fresh("n"), code.fresh("lb"), code.fresh("k"), code.fresh("y"));
                    let size = self.size(&t);
                    code.line(ind, format!("{n} = len({v})"));
                    code.line(ind, format!("{lb} = bytearray({n} * {size})"));
                    code.line(ind, format!("for {k}, {y} in enumerate({v}):"));
                    self.store(code, ind + 1, &t, &lb, &format!("{k} * {size}"), &y);
                    leaf(code, 0, WasmType::I32, format!("_m.put({lb}, {})", self.wit.align(&t)));
                    leaf(code, 1, WasmType::I32, n);
                }
                TypeDefKind::Type(t) => self.flat(code, ind, &t, v, slots, start)?,
                _ => unreachable!(),
            },
        }
        Ok(())
    }

    // ---------- lifting ----------

    /// A Python expression lifting a `ty` from bytes `b` at offset `off` (guest memory `_m`).
    fn lift(&self, code: &mut Code, ty: &Type, b: &str, off: &str) -> String {
        match ty {
            Type::Bool => format!("({b}[{off}] != 0)"),
            Type::U8 => format!("{b}[{off}]"),
            Type::U16
            | Type::U32
            | Type::U64
            | Type::S8
            | Type::S16
            | Type::S32
            | Type::S64
            | Type::F32
            | Type::F64 => {
                format!("_UP_{}({b}, {off})[0]", scalar_code(ty))
            }
            Type::String => format!("_read_str(_m, {b}, {off})"),
            Type::Char | Type::ErrorContext => unreachable!(),
            Type::Id(id) => match self.kind(*id).clone() {
                TypeDefKind::Record(_) | TypeDefKind::Variant(_) => {
                    format!("_lift_{}(_m, {b}, {off})", self.snake(*id))
                }
                TypeDefKind::Enum(e) => {
                    let size = self.disc_size(e.cases.len());
                    let disc =
                        if size == 1 { format!("{b}[{off}]") } else { format!("_UP_U{}({b}, {off})[0]", size * 8) };
                    format!("_{}_CASES[{disc}]", self.shouty(*id))
                }
                TypeDefKind::Option(t) => {
                    let payload = self.wit.payload_offset(Int::U8, [None, Some(&t)]);
                    let inner = self.lift(code, &t, b, &at_expr(off, payload));
                    format!("(None if {b}[{off}] == 0 else {inner})")
                }
                TypeDefKind::List(Type::U8) => format!("_read_bytes(_m, {b}, {off})"),
                TypeDefKind::List(t) => {
                    let (lb, o) = (code.fresh("lb"), code.fresh("o"));
                    let size = self.size(&t);
                    let inner = self.lift(code, &t, &lb, &o);
                    format!("[{inner} for {lb} in (_read_list(_m, {b}, {off}, {size}),) for {o} in range(0, len({lb}), {size})]")
                }
                TypeDefKind::Type(t) => self.lift(code, &t, b, off),
                _ => unreachable!(),
            },
        }
    }

    /// An expression lifting a one-flat-value answer from `_s[0]`.
    fn lift_flat(&self, ty: &Type) -> Result<String> {
        Ok(match ty {
            Type::Bool => "_s[0].i32 != 0".into(),
            Type::U8 => "_s[0].i32 & 0xFF".into(),
            Type::U16 => "_s[0].i32 & 0xFFFF".into(),
            Type::U32 => "_s[0].i32 & 0xFFFFFFFF".into(),
            Type::S8 | Type::S16 | Type::S32 => "_s[0].i32".into(),
            Type::U64 => "_s[0].i64 & 0xFFFFFFFFFFFFFFFF".into(),
            Type::S64 => "_s[0].i64".into(),
            Type::F32 => "_s[0].f32".into(),
            Type::F64 => "_s[0].f64".into(),
            Type::Id(id) => match self.kind(*id) {
                TypeDefKind::Enum(_) => format!("_{}_CASES[_s[0].i32]", self.shouty(*id)),
                TypeDefKind::Type(t) => self.lift_flat(t)?,
                other => bail!("python codegen: a one-value answer of kind {other:?} is not supported"),
            },
            other => bail!("python codegen: a one-value answer of type {other:?} is not supported"),
        })
    }

    // ---------- modules ----------

    fn module(&self, name: &str, iface: InterfaceId) -> Result<String> {
        let wit = self.wit;
        let interface = &wit.resolve.interfaces[iface];
        let mut out = banner("#");
        let qualified = wit.resolve.id_of(iface).unwrap_or_else(|| name.to_string());
        let mut docs = doc_lines(&interface.docs).iter().map(|l| l.trim().to_string()).collect::<Vec<_>>().join("\n");
        if docs.trim().is_empty() {
            docs = format!("The `{name}` interface.");
        }
        let doc = Docs { contents: Some(format!("{qualified} (wit/{name}.wit).\n\n{docs}\n\nGenerated from the WIT: the types, and one function per export (see docs/CODEGEN.md)."))};
        out.push_str(&docstring(&doc, "", ""));
        out.push_str("from __future__ import annotations\n\n");
        out.push_str("import enum  # noqa: F401\nfrom dataclasses import dataclass, field as _field  # noqa: F401\nfrom typing import ClassVar, Dict, List, Optional, Sequence, Tuple  # noqa: F401\n\n");
        out.push_str("from . import _runtime as _rt\n");
        out.push_str("from ._runtime import _PK_F32, _PK_F64, _PK_PAIR, _PK_S8, _PK_S16, _PK_S32, _PK_S64, _PK_U8, _PK_U16, _PK_U32, _PK_U64, _UP_F32, _UP_F64, _UP_S8, _UP_S16, _UP_S32, _UP_S64, _UP_U16, _UP_U32, _UP_U64, Memory, _as_bytes, _bad, _bad_int, _check_float, _check_sequence, _check_str, _f32_bits, _f64_bits, _instance, _new, _read_bytes, _read_list, _read_str, _set  # noqa: F401\n");
        out.push_str("from .errors import PaywitError  # noqa: F401\n");
        if wit.is_exported(iface) && wit.functions(iface).iter().any(|f| self.limit_guarded(f)) {
            out.push_str("from . import _limits as _lim\n");
        }
        // Types defined elsewhere that this module's code reaches (its `use`s and what they contain).
        let mut reach = BTreeSet::new();
        for &ty in interface.types.values() {
            self.reach(&Type::Id(ty), &mut reach);
        }
        if wit.is_exported(iface) {
            for f in wit.functions(iface) {
                for p in &f.params {
                    self.reach(&p.ty, &mut reach);
                }
                if let Some(r) = &f.result {
                    self.reach(r, &mut reach);
                }
            }
        }
        let mut imports: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for id in reach {
            let n = self.named(id);
            if n.module != name {
                let list = imports.entry(n.module.clone()).or_default();
                list.extend(self.type_names(id));
                list.extend(self.private_names(id));
            }
        }
        for (module, mut list) in imports {
            list.sort();
            list.dedup();
            out.push_str(&format!("from .{module} import {}  # noqa: F401\n", list.join(", ")));
        }
        out.push('\n');
        let all = self.module_names(iface);
        out.push_str("__all__ = [\n");
        for n in &all {
            out.push_str(&format!("    \"{n}\",\n"));
        }
        out.push_str("]\n\n");
        out.push_str(&format!("# The digest of the WIT these bindings were generated from (`Wit::abi_digest`); the runtime\n# refuses a component whose abi.json carries another.\nDIGEST = \"{}\"\n_rt.expect_digest(DIGEST, __name__)\n", self.digest));
        if wit.is_exported(iface) && !wit.functions(iface).is_empty() {
            let names: Vec<String> =
                wit.functions(iface).iter().map(|f| format!("\"{}\"", wit.core_export_name(iface, f))).collect();
            out.push_str(&format!("# The core exports this module calls, checked when the component is loaded.\n_rt.expect_exports(({},), __name__)\n", names.join(", ")));
        }

        for (tname, ty) in wit.own_types(iface) {
            out.push_str("\n\n");
            out.push_str(&self.type_defs(tname, ty)?);
        }
        if wit.is_exported(iface) {
            for function in wit.functions(iface) {
                out.push_str("\n\n");
                out.push_str(&self.function(iface, function)?);
            }
        }
        Ok(out)
    }

    /// Every named type `ty` reaches (itself, its fields, cases and elements).
    fn reach(&self, ty: &Type, out: &mut BTreeSet<TypeId>) {
        let Type::Id(id) = ty else { return };
        let id = self.wit.resolve_alias(*id);
        let kind = self.kind(id).clone();
        if self.named.contains_key(&id) && !out.insert(id) {
            return;
        }
        match kind {
            TypeDefKind::Record(r) => r.fields.iter().for_each(|f| self.reach(&f.ty, out)),
            TypeDefKind::Variant(v) => v.cases.iter().filter_map(|c| c.ty.as_ref()).for_each(|t| self.reach(t, out)),
            TypeDefKind::Option(t) | TypeDefKind::List(t) | TypeDefKind::Type(t) => self.reach(&t, out),
            TypeDefKind::Result(r) => {
                if let Some(t) = &r.ok {
                    self.reach(t, out);
                }
                if let Some(t) = &r.err {
                    self.reach(t, out);
                }
            }
            _ => {}
        }
    }

    /// Private helper names of a named type (imported by the modules that `use` it).
    fn private_names(&self, id: TypeId) -> Vec<String> {
        let n = self.named(id);
        let snake = self.snake(id);
        let shouty = self.shouty(id);
        let mut out = Vec::new();
        match self.kind(id) {
            TypeDefKind::Record(_) if n.class.is_some() => {
                out.extend([format!("_check_{snake}"), format!("_store_{snake}"), format!("_lift_{snake}")]);
            }
            TypeDefKind::Variant(_) if n.class.is_some() => {
                out.extend([
                    format!("_check_{snake}"),
                    format!("_store_{snake}"),
                    format!("_lift_{snake}"),
                    format!("_{shouty}_INDEX"),
                ]);
            }
            TypeDefKind::Enum(_) if n.class.is_some() => {
                out.extend([format!("_{shouty}_INDEX"), format!("_{shouty}_CASES")]);
            }
            _ => {}
        }
        if n.error.is_some() {
            out.push(format!("_error_{snake}"));
        }
        out
    }

    fn type_defs(&self, tname: &str, id: TypeId) -> Result<String> {
        let wit = self.wit;
        let def = &wit.resolve.types[id];
        let n = self.named(id).clone();
        let snake = self.snake(id);
        let shouty = self.shouty(id);
        let mut code = Code::new();
        let fallback = format!("WIT `{tname}`.");
        if let Some(class) = &n.class {
            match &def.kind {
                TypeDefKind::Record(r) => {
                    code.line(0, "@dataclass(frozen=True, kw_only=True)");
                    code.line(0, format!("class {class}:"));
                    code.lines.push_str(&docstring(&def.docs, &fallback, "    "));
                    for f in &r.fields {
                        let hint = self.hint(&f.ty, false);
                        let optional = matches!(&f.ty, Type::Id(t) if matches!(self.kind(*t), TypeDefKind::Option(_)));
                        let default = match (optional, holds_secret(&f.name)) {
                            (false, false) => "",
                            (true, false) => " = None",
                            (false, true) => " = _field(repr=False)",
                            (true, true) => " = _field(default=None, repr=False)",
                        };
                        code.line(1, format!("{}: {hint}{default}", ident(&f.name)));
                        if !doc_lines(&f.docs).is_empty() {
                            code.lines.push_str(&docstring(&f.docs, "", "    "));
                        }
                    }
                    if r.fields.is_empty() {
                        code.line(1, "pass");
                    }
                    // check
                    code.line(0, "");
                    code.line(0, "");
                    code.line(0, format!("def _check_{snake}(v: object, p: str) -> None:"));
                    code.line(1, format!("if not isinstance(v, {class}):"));
                    code.line(2, format!("_bad(v, p, \"must be a {class}\")"));
                    for f in &r.fields {
                        let t = code.fresh("f");
                        code.line(1, format!("{t} = v.{}", ident(&f.name)));
                        self.check(&mut code, 1, &f.ty, &t, &format!("p + \".{}\"", ident(&f.name)));
                    }
                    // store
                    let offsets = wit.field_offsets(r.fields.iter().map(|f| &f.ty));
                    code.line(0, "");
                    code.line(0, "");
                    code.line(0, format!("def _store_{snake}(_m: Memory, b: bytearray, o: int, v: {class}) -> None:"));
                    if r.fields.is_empty() {
                        code.line(1, "pass");
                    }
                    for (f, off) in r.fields.iter().zip(&offsets) {
                        let t = code.fresh("f");
                        code.line(1, format!("{t} = v.{}", ident(&f.name)));
                        self.store(&mut code, 1, &f.ty, "b", &at("o", *off), &t);
                    }
                    // lift
                    code.line(0, "");
                    code.line(0, "");
                    code.line(0, format!("def _lift_{snake}(_m: Memory, b: bytes, o: int) -> {class}:"));
                    // Built without __init__ (a frozen dataclass's __init__ costs about 1.5 us more):
                    // the lifted values are the component's, already of the field types.
                    let mut args = Vec::new();
                    for (f, off) in r.fields.iter().zip(&offsets) {
                        args.push(format!(
                            "\"{}\": {}",
                            ident(&f.name),
                            self.lift(&mut code, &f.ty, "b", &at("o", *off))
                        ));
                    }
                    code.line(1, format!("v = _new({class})"));
                    code.line(1, format!("_set(v, \"__dict__\", {{{}}})", args.join(", ")));
                    code.line(1, "return v");
                }
                TypeDefKind::Enum(e) => {
                    code.line(0, format!("class {class}(str, enum.Enum):"));
                    code.lines.push_str(&docstring(&def.docs, &fallback, "    "));
                    for c in &e.cases {
                        code.line(1, format!("{} = \"{}\"", names::shouty(&c.name), c.name));
                        if !doc_lines(&c.docs).is_empty() {
                            code.lines.push_str(&docstring(&c.docs, "", "    "));
                        }
                    }
                    code.line(0, "");
                    code.line(0, "");
                    code.line(0, format!("_{shouty}_CASES: Tuple[{class}, ...] = tuple({class})"));
                    code.line(0, format!("_{shouty}_INDEX: Dict[object, int] = {{**{{c: i for i, c in enumerate({class})}}, **{{c.value: i for i, c in enumerate({class})}}}}"));
                }
                TypeDefKind::Variant(v) => {
                    code.line(0, format!("class {class}:"));
                    code.lines.push_str(&docstring(&def.docs, &fallback, "    "));
                    let cases: Vec<String> = v.cases.iter().map(|c| self.case_class(id, &c.name)).collect();
                    code.line(1, format!("Cases: ClassVar[Tuple[type[{class}], ...]] = ()"));
                    code.line(1, "\"\"\"The case classes, in WIT order.\"\"\"");
                    code.line(1, "_wit_case: ClassVar[str] = \"\"");
                    for (c, cls) in v.cases.iter().zip(&cases) {
                        code.line(0, "");
                        code.line(0, "");
                        code.line(0, "@dataclass(frozen=True, kw_only=True)");
                        code.line(0, format!("class {cls}({class}):"));
                        code.lines.push_str(&docstring(&c.docs, &format!("`{}` case `{}`.", tname, c.name), "    "));
                        code.line(1, format!("_wit_case: ClassVar[str] = \"{}\"", c.name));
                        if let Some(t) = &c.ty {
                            code.line(1, format!("value: {}", self.hint(t, false)));
                        }
                    }
                    code.line(0, "");
                    code.line(0, "");
                    code.line(0, format!("{class}.Cases = ({},)", cases.join(", ")));
                    code.line(
                        0,
                        format!("_{shouty}_INDEX: Dict[type, int] = {{c: i for i, c in enumerate({class}.Cases)}}"),
                    );
                    // check
                    code.line(0, "");
                    code.line(0, "");
                    code.line(0, format!("def _check_{snake}(v: object, p: str) -> None:"));
                    code.line(1, format!("if type(v) not in _{shouty}_INDEX:"));
                    code.line(2, format!("_bad(v, p, \"must be a {class} case ({})\")", cases.join(", ")));
                    for (c, cls) in v.cases.iter().zip(&cases) {
                        let Some(t) = &c.ty else { continue };
                        code.line(1, format!("if isinstance(v, {cls}):"));
                        let x = code.fresh("x");
                        code.line(2, format!("{x} = v.value"));
                        self.check(&mut code, 2, t, &x, "p + \".value\"");
                    }
                    // store
                    let tag = v.tag();
                    let payload = wit.payload_offset(tag, v.cases.iter().map(|c| c.ty.as_ref()));
                    code.line(0, "");
                    code.line(0, "");
                    code.line(0, format!("def _store_{snake}(_m: Memory, b: bytearray, o: int, v: {class}) -> None:"));
                    code.line(1, format!("_PK_{}(b, o, _{shouty}_INDEX[type(v)])", Self::int_suffix(tag)));
                    for (c, cls) in v.cases.iter().zip(&cases) {
                        let Some(t) = &c.ty else { continue };
                        code.line(1, format!("if isinstance(v, {cls}):"));
                        let x = code.fresh("x");
                        code.line(2, format!("{x} = v.value"));
                        self.store(&mut code, 2, t, "b", &at("o", payload), &x);
                    }
                    // lift
                    code.line(0, "");
                    code.line(0, "");
                    code.line(0, format!("def _lift_{snake}(_m: Memory, b: bytes, o: int) -> {class}:"));
                    let disc = if tag == Int::U8 {
                        "b[o]".to_string()
                    } else {
                        format!("_UP_{}(b, o)[0]", Self::int_suffix(tag))
                    };
                    code.line(1, format!("c = {disc}"));
                    for (i, (c, cls)) in v.cases.iter().zip(&cases).enumerate() {
                        code.line(1, format!("if c == {i}:"));
                        match &c.ty {
                            Some(t) => {
                                let e = self.lift(&mut code, t, "b", &at("o", payload));
                                code.line(2, format!("v{i} = _new({cls})"));
                                code.line(2, format!("_set(v{i}, \"__dict__\", {{\"value\": {e}}})"));
                                code.line(2, format!("return v{i}"));
                            }
                            None => code.line(2, format!("return _new({cls})")),
                        }
                    }
                    code.line(1, format!("raise _rt.bad_discriminant(\"{tname}\", c)"));
                }
                other => bail!("python codegen: {tname}: unsupported named type {other:?}"),
            }
        }
        if let Some(base) = &n.error {
            if n.class.is_some() {
                code.line(0, "");
                code.line(0, "");
            }
            code.line(0, format!("class {base}(PaywitError):"));
            code.lines.push_str(&docstring(&def.docs, &fallback, "    "));
            let mut case_classes = Vec::new();
            match &def.kind {
                TypeDefKind::Variant(v) => {
                    for c in &v.cases {
                        let cls = names::error_case_class(tname, &c.name);
                        code.line(0, "");
                        code.line(0, "");
                        code.line(0, format!("class {cls}({base}):"));
                        code.lines.push_str(&docstring(&c.docs, &format!("`{tname}` case `{}`.", c.name), "    "));
                        match &c.ty {
                            Some(t) => {
                                let hint = self.hint(t, false);
                                code.line(1, format!("details: {hint}"));
                                code.line(0, "");
                                code.line(1, format!("def __init__(self, details: {hint}) -> None:"));
                                code.line(2, format!("super().__init__(\"{}\", details)", c.name));
                            }
                            None => {
                                code.line(1, "def __init__(self) -> None:");
                                code.line(2, format!("super().__init__(\"{}\")", c.name));
                            }
                        }
                        case_classes.push((cls, c.ty));
                    }
                    let tag = v.tag();
                    code.line(0, "");
                    code.line(0, "");
                    code.line(0, format!("def _error_{snake}(_m: Memory, b: bytes, o: int) -> {base}:"));
                    let payload = wit.payload_offset(tag, v.cases.iter().map(|c| c.ty.as_ref()));
                    let disc = if tag == Int::U8 {
                        "b[o]".to_string()
                    } else {
                        format!("_UP_{}(b, o)[0]", Self::int_suffix(tag))
                    };
                    code.line(1, format!("c = {disc}"));
                    for (i, (cls, ty)) in case_classes.iter().enumerate() {
                        code.line(1, format!("if c == {i}:"));
                        match ty {
                            Some(t) => {
                                let e = self.lift(&mut code, t, "b", &at("o", payload));
                                code.line(2, format!("return {cls}({e})"));
                            }
                            None => code.line(2, format!("return {cls}()")),
                        }
                    }
                    code.line(1, format!("raise _rt.bad_discriminant(\"{tname}\", c)"));
                }
                TypeDefKind::Enum(e) => {
                    for c in &e.cases {
                        let cls = names::error_case_class(tname, &c.name);
                        code.line(0, "");
                        code.line(0, "");
                        code.line(0, format!("class {cls}({base}):"));
                        code.lines.push_str(&docstring(&c.docs, &format!("`{tname}` case `{}`.", c.name), "    "));
                        code.line(1, "def __init__(self) -> None:");
                        code.line(2, format!("super().__init__(\"{}\")", c.name));
                        case_classes.push((cls, None));
                    }
                    let size = self.disc_size(e.cases.len());
                    let names: Vec<&str> = case_classes.iter().map(|(c, _)| c.as_str()).collect();
                    code.line(0, "");
                    code.line(0, "");
                    code.line(0, format!("_{shouty}_ERRORS: Tuple[type, ...] = ({},)", names.join(", ")));
                    code.line(0, "");
                    code.line(0, "");
                    code.line(0, format!("def _error_{snake}(_m: Memory, b: bytes, o: int) -> {base}:"));
                    let disc = if size == 1 { "b[o]".to_string() } else { format!("_UP_U{}(b, o)[0]", size * 8) };
                    code.line(1, format!("c = {disc}"));
                    code.line(1, format!("if c >= {}:", e.cases.len()));
                    code.line(2, format!("raise _rt.bad_discriminant(\"{tname}\", c)"));
                    code.line(1, format!("error: {base} = _{shouty}_ERRORS[c]()"));
                    code.line(1, "return error");
                }
                _ => unreachable!(),
            }
        }
        Ok(code.lines)
    }

    fn function(&self, iface: InterfaceId, function: &Function) -> Result<String> {
        let wit = self.wit;
        let mut code = Code::new();
        let fname = ident(&function.name);
        let mut params = Vec::new();
        let mut after_now = false;
        let mut now_param = None;
        for p in &function.params {
            let name = ident(&p.name);
            let hint = self.hint(&p.ty, true);
            let is_option = matches!(&p.ty, Type::Id(t) if matches!(self.kind(*t), TypeDefKind::Option(_)));
            if p.name == "now" && p.ty == Type::S64 {
                params.push(format!("{name}: Optional[int] = None"));
                now_param = Some(name);
                after_now = true;
                continue;
            }
            if after_now {
                if !params.iter().any(|p: &String| p == "*") {
                    params.push("*".into());
                }
                params.push(if is_option { format!("{name}: {hint} = None") } else { format!("{name}: {hint}") });
            } else {
                params.push(format!("{name}: {hint}"));
            }
        }
        let (result_hint, result_kind) = match &function.result {
            None => ("None".to_string(), None),
            Some(r) => match self.as_result(r) {
                Some((ok, err)) => {
                    (ok.as_ref().map(|t| self.hint(t, false)).unwrap_or_else(|| "None".into()), Some((ok, err)))
                }
                None => (self.hint(r, false), None),
            },
        };
        code.line(0, format!("def {fname}({}) -> {result_hint}:", params.join(", ")));
        let mut doc = doc_lines(&function.docs).join("\n");
        if let Some((_, Some(Type::Id(err)))) = &result_kind {
            let base = self.named(*err).error.clone().unwrap_or_default();
            doc.push_str(&format!("\n\nRaises `{base}` (a subclass per case) for the WIT error, and `InvalidArgumentError` for an argument outside its WIT type."));
        } else {
            doc.push_str("\n\nRaises `InvalidArgumentError` for an argument outside its WIT type.");
        }
        if now_param.is_some() {
            doc.push_str(" `now` (Unix seconds) defaults to the current time.");
        }
        code.lines.push_str(&docstring(&Docs { contents: Some(doc) }, "", "    "));
        // Checks: every argument before anything is written into the guest.
        for p in &function.params {
            let name = ident(&p.name);
            if Some(&name) == now_param.as_ref() {
                code.line(1, format!("if {name} is None:"));
                code.line(2, format!("{name} = _rt.now()"));
            }
            self.check(&mut code, 1, &p.ty, &name, &format!("\"{}\"", name));
        }
        if self.limit_guarded(function) && !function.params.is_empty() {
            // The component's own limit answers, given before a large input is copied (see
            // paywit/_limits.py): the arguments come back, an over-long secret replaced by a
            // stand-in the component refuses alike.
            let names: Vec<String> = function.params.iter().map(|p| ident(&p.name)).collect();
            let targets = if names.len() == 1 { format!("{},", names[0]) } else { names.join(", ") };
            code.line(1, format!("{targets} = _lim.guard_{fname}({})", names.join(", ")));
        }
        code.line(1, "_i = _instance()");
        code.line(1, "_m = _i.memory");
        code.line(1, format!("_e = _i.exports[\"{}\"]", wit.core_export_name(iface, function)));
        code.line(1, "_s = _e.slots");
        let sig = wit.signature(function);
        // The lowering reads each argument again: one that changed since its check (a custom
        // sequence, a record subclass's property) fails here, as an InvalidArgumentError.
        code.line(1, "_changed = False");
        code.line(1, "try:");
        if function.params.is_empty() {
            code.line(2, "pass");
        }
        if sig.indirect_params {
            let types: Vec<Type> = function.params.iter().map(|p| p.ty).collect();
            let offsets = wit.field_offsets(types.iter());
            let (size, align) = wit.record_layout(&types);
            code.line(2, format!("_pb = bytearray({size})"));
            for (p, off) in function.params.iter().zip(&offsets) {
                self.store(&mut code, 2, &p.ty, "_pb", &off.to_string(), &ident(&p.name));
            }
            code.line(2, format!("_s[0].i32 = _m.put(_pb, {align})"));
        } else {
            let count: usize =
                function.params.iter().map(|p| wit.flat(&p.ty).map(|f| f.len()).unwrap_or(usize::MAX)).sum();
            if count > MAX_FLAT_PARAMS || count != sig.params.len() {
                bail!("python codegen: {}: flat parameters disagree with the core signature", function.name);
            }
            let mut k = 0;
            for p in &function.params {
                let n = wit.flat(&p.ty).map(|f| f.len()).unwrap_or(0);
                let slots: Vec<WasmType> = sig.params[k..k + n].to_vec();
                self.flat(&mut code, 2, &p.ty, &ident(&p.name), &slots, k)?;
                k += n;
            }
        }
        code.line(1, "except _rt.LOWERING_ERRORS:");
        code.line(2, "_changed = True");
        code.line(1, "if _changed:  # raised outside the except block: the error's message may hold a string argument");
        code.line(2, "raise _rt.changed_while_read(_i)");
        code.line(1, "_e.call()");
        match &function.result {
            None => {
                code.line(1, "_e.finish()");
            }
            Some(r) => {
                let flat = wit.flat(r).map(|f| f.len()).unwrap_or(usize::MAX);
                if flat == 1 {
                    if result_kind.is_some() {
                        bail!("python codegen: {}: a one-value result<..> is not supported", function.name);
                    }
                    code.line(1, format!("_r = {}", self.lift_flat(r)?));
                    code.line(1, "_e.finish()");
                    code.line(1, "return _r");
                } else {
                    let size = self.size(r);
                    code.line(1, format!("_b = _m.read(_s[0].i32 & 0xFFFFFFFF, {size})"));
                    match &result_kind {
                        Some((ok, err)) => {
                            let payload = wit.payload_offset(Int::U8, [ok.as_ref(), err.as_ref()]);
                            code.line(1, "if _b[0] == 0:");
                            match ok {
                                Some(t) => {
                                    let e = self.lift(&mut code, t, "_b", &payload.to_string());
                                    code.line(2, format!("_r = {e}"));
                                    code.line(2, "_e.finish()");
                                    code.line(2, "return _r");
                                }
                                None => {
                                    code.line(2, "_e.finish()");
                                    code.line(2, "return None");
                                }
                            }
                            let Some(Type::Id(err)) = err else { unreachable!() };
                            code.line(1, format!("_x = _error_{}(_m, _b, {payload})", self.snake(*err)));
                            code.line(1, "_e.finish()");
                            code.line(1, "raise _x");
                        }
                        None => {
                            let e = self.lift(&mut code, r, "_b", "0");
                            code.line(1, format!("_r = {e}"));
                            code.line(1, "_e.finish()");
                            code.line(1, "return _r");
                        }
                    }
                }
            }
        }
        Ok(code.lines)
    }

    /// `paywit/_exports.py`: the modules, and every name unambiguous across interfaces.
    fn exports(&self) -> Result<String> {
        let mut owners: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut first: BTreeMap<String, String> = BTreeMap::new();
        let modules: Vec<String> = self.wit.interfaces().iter().map(|i| i.name.to_string()).collect();
        for interface in self.wit.interfaces() {
            for &ty in self.wit.resolve.interfaces[interface.id].types.values() {
                let id = self.wit.resolve_alias(ty);
                let owner = self.named(id).module.clone();
                for n in self.type_names(id) {
                    owners.entry(n.clone()).or_default().insert(owner.clone());
                    first.entry(n).or_insert(owner.clone());
                }
            }
            if self.wit.is_exported(interface.id) {
                for f in self.wit.functions(interface.id) {
                    let n = ident(&f.name);
                    owners.entry(n.clone()).or_default().insert(interface.name.to_string());
                    first.entry(n).or_insert(interface.name.to_string());
                }
            }
        }
        let mut out = banner("#");
        out.push_str("\"\"\"The package's flat names: every generated name that one interface alone defines\n(`paywit.Failure` is `paywit.retry.Failure`). A name two interfaces define (`PolicyError`)\nis reached through its module only (`paywit.retry.PolicyError`).\"\"\"\n");
        out.push_str("from __future__ import annotations\n\n");
        let mut by_module: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut all = Vec::new();
        let mut ambiguous = Vec::new();
        for (n, set) in &owners {
            if set.len() > 1 {
                ambiguous.push(n.clone());
                continue;
            }
            if modules.contains(n) {
                continue;
            }
            by_module.entry(first[n].clone()).or_default().push(n.clone());
            all.push(n.clone());
        }
        out.push_str(&format!("from . import {}\n", modules.join(", ")));
        for (module, list) in &by_module {
            out.push_str(&format!("from .{module} import (\n"));
            for n in list {
                out.push_str(&format!("    {n},\n"));
            }
            out.push_str(")\n");
        }
        out.push_str("\nMODULES = (");
        out.push_str(&modules.join(", "));
        out.push_str(",)\n\"\"\"One module per WIT interface, in dependency order.\"\"\"\n\n");
        out.push_str("AMBIGUOUS = (\n");
        for n in &ambiguous {
            out.push_str(&format!("    \"{n}\",\n"));
        }
        out.push_str(")\n\"\"\"Names more than one interface defines: not flat.\"\"\"\n\n__all__ = [\n");
        for n in &all {
            out.push_str(&format!("    \"{n}\",\n"));
        }
        out.push_str("]\n");
        Ok(out)
    }
}

fn at_expr(off: &str, k: usize) -> String {
    if k == 0 {
        return off.to_string();
    }
    if let Ok(n) = off.parse::<usize>() {
        return (n + k).to_string();
    }
    format!("{off} + {k}")
}

fn int_range(ty: &Type) -> (&'static str, String, String) {
    match ty {
        Type::U8 => ("u8", "0".into(), "255".into()),
        Type::U16 => ("u16", "0".into(), "65535".into()),
        Type::U32 => ("u32", "0".into(), "4294967295".into()),
        Type::U64 => ("u64", "0".into(), "18446744073709551615".into()),
        Type::S8 => ("s8", "-128".into(), "127".into()),
        Type::S16 => ("s16", "-32768".into(), "32767".into()),
        Type::S32 => ("s32", "-2147483648".into(), "2147483647".into()),
        Type::S64 => ("s64", "-9223372036854775808".into(), "9223372036854775807".into()),
        _ => unreachable!(),
    }
}

fn scalar_code(ty: &Type) -> &'static str {
    match ty {
        Type::U8 => "U8",
        Type::U16 => "U16",
        Type::U32 => "U32",
        Type::U64 => "U64",
        Type::S8 => "S8",
        Type::S16 => "S16",
        Type::S32 => "S32",
        Type::S64 => "S64",
        Type::F32 => "F32",
        Type::F64 => "F64",
        _ => unreachable!(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wit_with(name: &str, body: &str) -> Wit {
        let dir = std::env::temp_dir().join(format!("paywit-python-codegen-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("i.wit"),
            format!("package test:t@0.1.0;\ninterface i {{\n{body}\n}}\nworld paywit {{ export i; }}\n"),
        )
        .unwrap();
        let wit = Wit::load(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        wit
    }

    #[test]
    fn unsupported_constructs_make_the_generator_bail() {
        for (name, body) in [
            ("tuple", "f: func(x: tuple<u32, u32>);"),
            ("flags", "flags g { a, b }\nf: func(x: g);"),
            ("char", "f: func(x: char);"),
            ("string-error", "f: func() -> result<u32, string>;"),
            ("nested-result", "f: func(x: option<result<u32, u32>>);"),
            ("option-option", "f: func(x: option<option<u32>>);"),
            ("resource", "resource r;\nf: func(x: borrow<r>);"),
        ] {
            let wit = wit_with(name, body);
            let error = generate(&wit).err().unwrap_or_else(|| panic!("{name} must be refused"));
            assert!(error.to_string().starts_with("python codegen:"), "{name}: {error}");
        }
    }

    #[test]
    fn every_interface_gets_a_module_with_the_digest_and_every_function() {
        let wit = Wit::load(&crate::root().join("wit")).unwrap();
        let output = generate(&wit).unwrap();
        for interface in wit.interfaces() {
            let file = output.files.iter().find(|f| f.path.ends_with(format!("{}.py", interface.name))).unwrap();
            assert!(file.contents.starts_with(&banner("#")));
            assert!(file.contents.contains(&format!("DIGEST = \"{}\"", wit.abi_digest())));
            for function in wit.functions(interface.id) {
                assert!(file.contents.contains(&format!("\ndef {}(", ident(&function.name))), "{}", function.name);
            }
        }
        assert_eq!(output.dirs, vec![PathBuf::from(PACKAGE_DIR)]);
    }

    #[test]
    fn secret_fields_are_hidden_and_limited_functions_are_guarded() {
        assert!(holds_secret("secret") && holds_secret("webhook-secret"));
        assert!(holds_secret("signing-key"));
        assert!(!holds_secret("secret-index") && !holds_secret("secret-format"));
        let wit = Wit::load(&crate::root().join("wit")).unwrap();
        let output = generate(&wit).unwrap();
        let webhooks = &output.files.iter().find(|f| f.path.ends_with("webhooks.py")).unwrap().contents;
        assert!(webhooks.contains("    signing_key: str = _field(repr=False)\n"));
        for function in ["verify", "verify_fields", "verify_packed", "prepare_packed", "sign"] {
            assert!(webhooks.contains(&format!(" = _lim.guard_{function}(")), "{function}");
        }
        assert!(!webhooks.contains("_lim.guard_public_key") && !webhooks.contains("_lim.guard_schemes"));
        assert!(webhooks.contains("_rt.expect_exports((\"paywit:gateway/webhooks@0.1.0#verify\", "));
    }

    #[test]
    fn a_variant_mixing_pointers_and_floats_joins_its_slots() {
        let wit = wit_with(
            "join",
            "record e { a: u64, m: f64, c: u64 }\nvariant s { l(list<u64>), e(e) }\nf: func(x: s) -> u32;",
        );
        let module = &generate(&wit).unwrap().files[0].contents;
        assert!(module.contains("_s[1].i64 = (_m.put(_lb"), "{module}");
        assert!(module.contains("= _f64_bits("), "{module}");
    }
}
