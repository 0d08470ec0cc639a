//! JSON dispatch of `add_person(String, u32) -> Person` with `["Amy Pond", 27]`, through the
//! entry point a host calls (`JsRuntime::begin_invoke_dotnet`, every check on), side by side
//! with three baselines in the same run: hand-written serde, a naive `HashMap` registry with
//! the default hasher, and `serde_json::Value` routing. After the group, `cargo bench` (not
//! test mode) also prints the four measured in interleaved batches ([`paired_ratios`]).

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use interop_runtime::{jsinvokable, BoxFuture, Host, JsRuntime, ToJs};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Serialize, Deserialize)]
struct Person {
    name: String,
    age: u32,
}

#[jsinvokable("AddPerson", assembly = "Bench")]
fn add_person(name: String, age: u32) -> Person {
    Person { name, age }
}

const ARGS: &str = r#"["Amy Pond",27]"#;

/// A host that drops what it is sent (after the runtime built it), like a transport would
/// hand it over. The message is observed where it lies (`black_box` of a reference): moving
/// the whole 72-byte enum into `black_box` would time a copy no transport makes.
struct DropHost;

impl Host for DropHost {
    fn send(&self, message: ToJs) {
        black_box(&message);
    }
    fn spawn(&self, task: BoxFuture<()>) {
        drop(task);
    }
    fn sleep(&self, _: Duration) -> BoxFuture<()> {
        Box::pin(std::future::pending())
    }
}

fn hand_written(args: &str) -> Result<String, String> {
    let (name, age): (String, u32) = serde_json::from_str(args).map_err(|e| e.to_string())?;
    serde_json::to_string(&add_person(name, age)).map_err(|e| e.to_string())
}

type NaiveShim = fn(&str) -> Result<String, String>;

fn value_add_person(args: Vec<Value>) -> Result<Value, String> {
    let mut args = args.into_iter();
    let name: String =
        serde_json::from_value(args.next().ok_or("missing name")?).map_err(|e| e.to_string())?;
    let age: u32 =
        serde_json::from_value(args.next().ok_or("missing age")?).map_err(|e| e.to_string())?;
    serde_json::to_value(add_person(name, age)).map_err(|e| e.to_string())
}

type ValueShim = fn(Vec<Value>) -> Result<Value, String>;

fn value_routing(
    routes: &HashMap<String, ValueShim>,
    assembly: &str,
    identifier: &str,
    args: &str,
) -> Result<String, String> {
    let args: Value = serde_json::from_str(args).map_err(|e| e.to_string())?;
    let Value::Array(args) = args else {
        return Err("Invalid JSON".into());
    };
    let route = routes
        .get(&format!("{assembly}::{identifier}"))
        .ok_or("unknown")?;
    let result = route(args)?;
    serde_json::to_string(&result).map_err(|e| e.to_string())
}

/// The registries of the baselines.
struct Baselines {
    naive: HashMap<(&'static str, &'static str), NaiveShim>,
    routes: HashMap<String, ValueShim>,
}

impl Baselines {
    fn new() -> Self {
        let mut naive: HashMap<(&str, &str), NaiveShim> = HashMap::new();
        naive.insert(("Bench", "AddPerson"), hand_written);
        naive.insert(("Bench", "Other"), hand_written);
        let mut routes: HashMap<String, ValueShim> = HashMap::new();
        routes.insert("Bench::AddPerson".to_owned(), value_add_person);
        Baselines { naive, routes }
    }

    fn call_naive(&self) -> Result<String, String> {
        let shim = self
            .naive
            .get(&(black_box("Bench"), black_box("AddPerson")))
            .expect("registered");
        shim(black_box(ARGS))
    }

    fn call_value(&self) -> Result<String, String> {
        value_routing(
            &self.routes,
            black_box("Bench"),
            black_box("AddPerson"),
            black_box(ARGS),
        )
    }
}

/// One call through the entry point a host uses.
fn call_ours(runtime: &JsRuntime) {
    runtime.begin_invoke_dotnet(
        black_box(1),
        Some(black_box("Bench")),
        Some(black_box("AddPerson")),
        None,
        black_box(ARGS),
    )
}

fn dispatch(c: &mut Criterion) {
    let runtime = JsRuntime::new(Arc::new(DropHost));
    let baselines = Baselines::new();

    let mut group = c.benchmark_group("dispatch add_person");
    group.bench_function("hand-written serde", |b| {
        b.iter(|| hand_written(black_box(ARGS)))
    });
    group.bench_function("jsinvokable begin_invoke_dotnet", |b| {
        b.iter(|| call_ours(&runtime))
    });
    group.bench_function("jsinvokable invoke_dotnet (sync)", |b| {
        b.iter(|| {
            runtime.invoke_dotnet(
                Some(black_box("Bench")),
                Some(black_box("AddPerson")),
                None,
                black_box(ARGS),
            )
        })
    });
    group.bench_function("naive HashMap registry", |b| {
        b.iter(|| baselines.call_naive())
    });
    group.bench_function("serde_json::Value routing", |b| {
        b.iter(|| baselines.call_value())
    });
    group.finish();

    if std::env::args().any(|arg| arg == "--bench") {
        paired_ratios(&runtime, &baselines);
    }

    // The entry point must do the real work: check it once.
    assert_eq!(
        runtime.invoke_dotnet(Some("Bench"), Some("AddPerson"), None, ARGS),
        Ok(r#"{"name":"Amy Pond","age":27}"#.to_owned())
    );
}

/// The ratios to hand-written serde measured in interleaved batches: each round times a batch
/// of every variant back to back, so that all see the same machine (criterion times them one
/// after the other, and the speed of a shared VM drifts between them).
fn paired_ratios(runtime: &JsRuntime, baselines: &Baselines) {
    const ROUNDS: u32 = 50;
    const BATCH: u32 = 20_000;
    let time = |call: &dyn Fn()| {
        let start = Instant::now();
        for _ in 0..BATCH {
            call();
        }
        start.elapsed()
    };
    let variants: [(&str, &dyn Fn()); 4] = [
        ("hand-written serde", &|| {
            let _ = black_box(hand_written(black_box(ARGS)));
        }),
        ("jsinvokable begin_invoke_dotnet", &|| call_ours(runtime)),
        ("naive HashMap registry", &|| {
            let _ = black_box(baselines.call_naive());
        }),
        ("serde_json::Value routing", &|| {
            let _ = black_box(baselines.call_value());
        }),
    ];
    let mut totals = [Duration::ZERO; 4];
    for _ in 0..ROUNDS {
        for (total, (_, call)) in totals.iter_mut().zip(&variants) {
            *total += time(*call);
        }
    }
    let calls = f64::from(ROUNDS) * f64::from(BATCH);
    for (total, (name, _)) in totals.iter().zip(&variants) {
        println!(
            "paired, {ROUNDS} rounds of {BATCH} calls: {name}: {:.1} ns = {:.2}x hand-written",
            total.as_secs_f64() * 1e9 / calls,
            total.as_secs_f64() / totals[0].as_secs_f64(),
        );
    }
}

criterion_group!(benches, dispatch);
criterion_main!(benches);
