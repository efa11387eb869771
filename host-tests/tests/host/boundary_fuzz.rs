//! Random values of the right WIT types into every exported function, through
//! the component boundary: no call may trap. Values are generated from the
//! component's own type information (so new exports are covered
//! automatically), mixing random data with inputs shaped like real headers,
//! secrets, amounts and dates.

use paywit_host_tests::{host, TestRng as Rng};
use wasmtime::component::types::{ComponentItem, Type};
use wasmtime::component::Val;

/// Random calls per exported function.
const ROUNDS: usize = 400;

const STRINGS: &[&str] = &[
    "",
    " ",
    "t=1700000000,v1=00",
    "v1,AAAA",
    "v1a,",
    "sha256=zz",
    "ts=1;h1=",
    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "whsk_",
    "whpk_AAAA",
    "sk_live_x",
    "\"quoted\"",
    "\"a\\\"b\"",
    "Sun, 06 Nov 1994 08:49:37 GMT",
    "-1",
    "007",
    "340282366920938463463374607431768211456",
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "{\"a\":[1,{\"b\":null}]}",
    "payment_intent.succeeded",
    "InvoiceSettled",
    "charge:failed",
    "é☃😀",
    "\u{0}\u{7f}",
];

fn random_string(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => STRINGS[rng.below(STRINGS.len())].to_string(),
        1 => (0..rng.below(40)).map(|_| char::from_u32(0x20 + rng.below(0x5f) as u32).unwrap()).collect(),
        2 => "x".repeat(rng.below(20_000)),
        _ => (0..rng.below(20)).filter_map(|_| char::from_u32(rng.below(0x11_0000) as u32)).collect(),
    }
}

fn random_val(ty: &Type, rng: &mut Rng, depth: u32) -> Val {
    let edge = |rng: &mut Rng| [0u64, 1, u64::MAX, u64::MAX / 2, 1 << 31, 300][rng.below(6)];
    match ty {
        Type::Bool => Val::Bool(rng.below(2) == 1),
        Type::U8 => Val::U8(rng.next_u64() as u8),
        Type::U16 => Val::U16(if rng.below(2) == 0 { edge(rng) as u16 } else { rng.next_u64() as u16 }),
        Type::U32 => Val::U32(if rng.below(2) == 0 { edge(rng) as u32 } else { rng.next_u64() as u32 }),
        Type::U64 => Val::U64(if rng.below(2) == 0 { edge(rng) } else { rng.next_u64() }),
        Type::S32 => Val::S32(rng.next_u64() as i32),
        Type::S64 => Val::S64(match rng.below(4) {
            0 => i64::MIN,
            1 => i64::MAX,
            2 => 1_700_000_000 + (rng.below(1000) as i64 - 500),
            _ => rng.next_u64() as i64,
        }),
        Type::Float64 => Val::Float64([f64::NAN, f64::INFINITY, -1.0, 0.0, 1.0, 2.5, 1e308][rng.below(7)]),
        Type::String => Val::String(random_string(rng)),
        Type::List(list) => {
            let element = list.ty();
            let len = if depth > 3 { 0 } else { rng.below(5) };
            if matches!(element, Type::U8) {
                Val::List((0..rng.below(300)).map(|_| Val::U8(rng.next_u64() as u8)).collect())
            } else {
                Val::List((0..len).map(|_| random_val(&element, rng, depth + 1)).collect())
            }
        }
        Type::Record(record) => {
            Val::Record(record.fields().map(|f| (f.name.to_string(), random_val(&f.ty, rng, depth + 1))).collect())
        }
        Type::Variant(variant) => {
            let cases: Vec<_> = variant.cases().collect();
            let case = &cases[rng.below(cases.len())];
            Val::Variant(case.name.to_string(), case.ty.as_ref().map(|t| Box::new(random_val(t, rng, depth + 1))))
        }
        Type::Enum(e) => {
            let names: Vec<&str> = e.names().collect();
            Val::Enum(names[rng.below(names.len())].to_string())
        }
        Type::Option(option) => {
            Val::Option((rng.below(2) == 1).then(|| Box::new(random_val(&option.ty(), rng, depth + 1))))
        }
        other => panic!("paywit's WIT uses no {other:?}; extend the generator"),
    }
}

#[test]
fn random_values_into_every_export_never_trap() {
    let host = host();
    let (mut store, instance) = host.instantiate_dynamic(Rng(11).source()).unwrap();
    let mut functions = Vec::new();
    for (interface, item) in host.component().component_type().exports(host.engine()) {
        let ComponentItem::ComponentInstance(exported) = item.ty else { continue };
        let interface_index = instance.get_export_index(&mut store, None, interface).unwrap();
        for (name, item) in exported.exports(host.engine()) {
            let ComponentItem::ComponentFunc(ty) = item.ty else { continue };
            let index = instance.get_export_index(&mut store, Some(&interface_index), name).unwrap();
            let func = instance.get_func(&mut store, index).unwrap();
            let params: Vec<Type> = ty.params().map(|(_, t)| t).collect();
            functions.push((format!("{interface}#{name}"), func, params, ty.results().len()));
        }
    }
    assert!(functions.len() >= 36, "found {} exports", functions.len());
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let mut calls = 0;
    for round in 0..ROUNDS {
        for (name, func, params, results) in &functions {
            let args: Vec<Val> = params.iter().map(|t| random_val(t, &mut rng, 0)).collect();
            let mut out = vec![Val::Bool(false); *results];
            func.call(&mut store, &args, &mut out).unwrap_or_else(|e| panic!("{name} trapped in round {round}: {e:?}"));
            calls += 1;
        }
    }
    assert_eq!(calls, ROUNDS * functions.len());
}
