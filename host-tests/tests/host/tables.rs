//! The shared interface tables (`conformance/tables/*.json`, also run by pytest
//! and `node --test`) through the component with wasmtime's dynamic values:
//! each case's JSON arguments become `Val`s by the export's own parameter
//! types, and the result is read back into JSON and compared with `expect`.

use paywit_host_tests::{host, TestRng};
use serde_json::{json, Map, Value};
use wasmtime::component::{Type, Val};

/// The tables' JSON encoding of a WIT value (see tables/README.md) into a `Val`.
fn to_val(ty: &Type, v: &Value) -> Val {
    let int = || v.as_i64().unwrap_or_else(|| panic!("{v} is not an integer"));
    match ty {
        Type::Bool => Val::Bool(v.as_bool().expect("bool")),
        Type::U8 => Val::U8(int() as u8),
        Type::U16 => Val::U16(int() as u16),
        Type::U32 => Val::U32(int() as u32),
        Type::U64 => Val::U64(v.as_u64().expect("u64")),
        Type::S32 => Val::S32(int() as i32),
        Type::S64 => Val::S64(int()),
        Type::Float64 => Val::Float64(v.as_f64().expect("number")),
        Type::String => Val::String(v.as_str().expect("string").into()),
        Type::List(list) => Val::List(v.as_array().expect("array").iter().map(|x| to_val(&list.ty(), x)).collect()),
        Type::Record(record) => Val::Record(
            record
                .fields()
                .map(|f| (f.name.to_string(), to_val(&f.ty, v.get(f.name).unwrap_or(&Value::Null))))
                .collect(),
        ),
        Type::Enum(_) => Val::Enum(v.as_str().expect("enum case").into()),
        Type::Option(option) => Val::Option((!v.is_null()).then(|| Box::new(to_val(&option.ty(), v)))),
        Type::Variant(variant) => {
            let (name, payload) = case_of(v);
            let case = variant.cases().find(|c| c.name == name).unwrap_or_else(|| panic!("no case {name}"));
            Val::Variant(name.clone(), case.ty.as_ref().map(|t| Box::new(to_val(t, payload))))
        }
        other => panic!("the tables use no {other:?}"),
    }
}

/// A variant in the tables' encoding: a bare case name, or `{case: payload}`.
fn case_of(v: &Value) -> (String, &Value) {
    match v {
        Value::String(name) => (name.clone(), &Value::Null),
        Value::Object(map) if map.len() == 1 => {
            let (name, payload) = map.iter().next().unwrap();
            (name.clone(), payload)
        }
        other => panic!("{other} is not a variant value"),
    }
}

/// A `Val` in the tables' encoding.
fn to_json(v: &Val) -> Value {
    let case = |name: &str, payload: &Option<Box<Val>>| match payload {
        None => json!(name),
        Some(p) => json!({ name: to_json(p) }),
    };
    match v {
        Val::Bool(b) => json!(b),
        Val::U8(n) => json!(n),
        Val::U16(n) => json!(n),
        Val::U32(n) => json!(n),
        Val::U64(n) => json!(n),
        Val::S32(n) => json!(n),
        Val::S64(n) => json!(n),
        Val::Float64(n) => json!(n),
        Val::String(s) => json!(s),
        Val::Enum(name) => json!(name),
        Val::List(items) => Value::Array(items.iter().map(to_json).collect()),
        Val::Record(fields) => {
            Value::Object(fields.iter().map(|(k, v)| (k.clone(), to_json(v))).collect::<Map<_, _>>())
        }
        Val::Option(value) => value.as_ref().map_or(Value::Null, |v| to_json(v)),
        Val::Variant(name, payload) => case(name, payload),
        Val::Result(Ok(payload)) => case("ok", payload),
        Val::Result(Err(payload)) => case("err", payload),
        other => panic!("the tables use no {other:?}"),
    }
}

/// `expect` matches `actual`: records (objects) check only the fields `expect` names.
fn matches(expect: &Value, actual: &Value) -> bool {
    match (expect, actual) {
        (Value::Object(e), Value::Object(a)) => e.iter().all(|(k, v)| a.get(k).is_some_and(|x| matches(v, x))),
        (Value::Array(e), Value::Array(a)) => e.len() == a.len() && e.iter().zip(a).all(|(x, y)| matches(x, y)),
        (Value::Number(e), Value::Number(a)) => e.as_f64() == a.as_f64(),
        _ => expect == actual,
    }
}

#[test]
fn every_shared_table_case_through_the_component() {
    let host = host();
    let (mut store, instance) = host.instantiate_dynamic(TestRng(5).source()).unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/tables");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "json"));
    files.sort();
    let mut checked = 0;
    for file in &files {
        let table: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let interface = format!("paywit:gateway/{}@0.1.0", table["interface"].as_str().unwrap());
        let interface_index = instance.get_export_index(&mut store, None, &interface).unwrap();
        for case in table["cases"].as_array().unwrap() {
            let name = case["call"].as_str().unwrap();
            let index = instance
                .get_export_index(&mut store, Some(&interface_index), name)
                .unwrap_or_else(|| panic!("{interface} has no {name}"));
            let func = instance.get_func(&mut store, index).unwrap();
            let ty = func.ty(&store);
            let params: Vec<Type> = ty.params().map(|(_, t)| t).collect();
            let args: Vec<Val> =
                params.iter().zip(case["args"].as_array().unwrap()).map(|(t, v)| to_val(t, v)).collect();
            assert_eq!(args.len(), params.len(), "{name}: argument count");
            let mut out = vec![Val::Bool(false); ty.results().len()];
            func.call(&mut store, &args, &mut out).unwrap();
            let actual = out.first().map_or(Value::Null, to_json);
            assert!(matches(&case["expect"], &actual), "{interface} {name} {}: got {actual}", case["args"]);
            checked += 1;
        }
    }
    assert!(files.len() >= 6 && checked >= 80, "{} files, {checked} cases", files.len());
}
