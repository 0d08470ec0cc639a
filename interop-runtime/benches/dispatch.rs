//! JSON dispatch of `add_person(String, u32) -> Person` with `["Amy Pond", 27]`, through the
//! entry point a host calls (`JsRuntime::begin_invoke_dotnet`, every check on), side by side
//! with four baselines in the same run: hand-written serde, a naive `HashMap` registry with
//! the default hasher, the same registry with the runtime's hasher (`FxHashMap`: the cost of
//! the lookup alone), and `serde_json::Value` routing. After the group, `cargo bench` (not
//! test mode) also prints them measured in interleaved batches ([`paired_ratios`]), with one
//! more pair: a call whose argument is an object (`older(Person, u32)`), against hand-written
//! serde of the same.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
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

#[jsinvokable("Older", assembly = "Bench")]
fn older(person: Person, years: u32) -> Person {
    Person {
        age: person.age + years,
        ..person
    }
}

const OBJECT_ARGS: &str = r#"[{"name":"Amy Pond","age":27},3]"#;

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

fn hand_written_object(args: &str) -> Result<String, String> {
    let (person, years): (Person, u32) = serde_json::from_str(args).map_err(|e| e.to_string())?;
    serde_json::to_string(&older(person, years)).map_err(|e| e.to_string())
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
    fx: rustc_hash::FxHashMap<(&'static str, &'static str), NaiveShim>,
    routes: HashMap<String, ValueShim>,
}

impl Baselines {
    fn new() -> Self {
        let mut naive: HashMap<(&str, &str), NaiveShim> = HashMap::new();
        naive.insert(("Bench", "AddPerson"), hand_written);
        naive.insert(("Bench", "Other"), hand_written);
        let mut routes: HashMap<String, ValueShim> = HashMap::new();
        routes.insert("Bench::AddPerson".to_owned(), value_add_person);
        let fx = naive.iter().map(|(k, v)| (*k, *v)).collect();
        Baselines { naive, fx, routes }
    }

    fn call_naive(&self) -> Result<String, String> {
        let shim = self
            .naive
            .get(&(black_box("Bench"), black_box("AddPerson")))
            .expect("registered");
        shim(black_box(ARGS))
    }

    fn call_fx(&self) -> Result<String, String> {
        let shim = self
            .fx
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

/// The object-argument call through the same entry point.
fn call_ours_object(runtime: &JsRuntime) {
    runtime.begin_invoke_dotnet(
        black_box(1),
        Some(black_box("Bench")),
        Some(black_box("Older")),
        None,
        black_box(OBJECT_ARGS),
    )
}

/// One variant of the paired ratios and of the instruction counts.
struct Variant<'a> {
    /// The name `DISPATCH_COUNT` selects it by.
    key: &'static str,
    name: &'static str,
    /// The index of the variant it is compared with.
    baseline: usize,
    call: Box<dyn Fn() + 'a>,
}

/// Every variant, each baseline before the variants compared with it.
fn variants<'a>(runtime: &'a JsRuntime, baselines: &'a Baselines) -> Vec<Variant<'a>> {
    let variant = |key, name, baseline, call: Box<dyn Fn() + 'a>| Variant {
        key,
        name,
        baseline,
        call,
    };
    vec![
        variant(
            "hand-written",
            "hand-written serde",
            0,
            Box::new(|| {
                let _ = black_box(hand_written(black_box(ARGS)));
            }),
        ),
        variant(
            "ours",
            "jsinvokable begin_invoke_dotnet",
            0,
            Box::new(|| call_ours(runtime)),
        ),
        variant(
            "naive",
            "naive HashMap registry",
            0,
            Box::new(|| {
                let _ = black_box(baselines.call_naive());
            }),
        ),
        variant(
            "value",
            "serde_json::Value routing",
            0,
            Box::new(|| {
                let _ = black_box(baselines.call_value());
            }),
        ),
        variant(
            "fx",
            "FxHashMap registry",
            0,
            Box::new(|| {
                let _ = black_box(baselines.call_fx());
            }),
        ),
        variant(
            "hand-written-object",
            "hand-written serde, object argument",
            5,
            Box::new(|| {
                let _ = black_box(hand_written_object(black_box(OBJECT_ARGS)));
            }),
        ),
        variant(
            "ours-object",
            "jsinvokable begin_invoke_dotnet, object argument",
            5,
            Box::new(|| call_ours_object(runtime)),
        ),
    ]
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
    assert_eq!(
        runtime.invoke_dotnet(Some("Bench"), Some("Older"), None, OBJECT_ARGS),
        Ok(r#"{"name":"Amy Pond","age":30}"#.to_owned())
    );
}

/// The ratios to the baselines measured in interleaved batches: each round times a batch of
/// every variant back to back, so that all see the same machine (criterion times them one
/// after the other, and the speed of a shared VM drifts between them). Two figures per
/// variant: the ratio of the total times, and the median of the rounds' own ratios, which a
/// neighbour's burst during a few batches does not move.
fn paired_ratios(runtime: &JsRuntime, baselines: &Baselines) {
    const ROUNDS: usize = 200;
    const BATCH: u32 = 5_000;
    let variants = variants(runtime, baselines);
    let mut times = vec![[0.0f64; ROUNDS]; variants.len()];
    for round in 0..ROUNDS {
        for (times, variant) in times.iter_mut().zip(&variants) {
            let start = Instant::now();
            for _ in 0..BATCH {
                (variant.call)();
            }
            times[round] = start.elapsed().as_secs_f64();
        }
    }
    let total = |times: &[f64; ROUNDS]| times.iter().sum::<f64>();
    let calls = ROUNDS as f64 * f64::from(BATCH);
    for (own, variant) in times.iter().zip(&variants) {
        let base = &times[variant.baseline];
        let mut ratios: Vec<f64> = own.iter().zip(base).map(|(t, b)| t / b).collect();
        ratios.sort_by(f64::total_cmp);
        println!(
            "paired, {ROUNDS} rounds of {BATCH} calls: {}: {:.1} ns = {:.2}x {} (median of the rounds: {:.3}x)",
            variant.name,
            total(own) * 1e9 / calls,
            total(own) / total(base),
            variants[variant.baseline].name,
            ratios[ROUNDS / 2],
        );
    }
}

/// `DISPATCH_COUNT=<variant>:<calls>`: makes `calls` calls of one variant (its `key`) and
/// exits, for instruction counts (`scripts/dispatch-instructions.sh` runs it under callgrind
/// with 0 and with N calls; the difference over N is the cost of one call).
fn count(spec: &str) {
    let (key, calls) = spec
        .split_once(':')
        .expect("DISPATCH_COUNT=<variant>:<calls>");
    let calls: u32 = calls.parse().expect("a number of calls");
    let runtime = JsRuntime::new(Arc::new(DropHost));
    let baselines = Baselines::new();
    let variants = variants(&runtime, &baselines);
    // One call of each before counting: first-use work (the registry) is not counted.
    for variant in &variants {
        (variant.call)();
    }
    let variant = variants
        .iter()
        .find(|variant| variant.key == key)
        .expect("a variant's key");
    for _ in 0..calls {
        (variant.call)();
    }
}

criterion_group!(benches, dispatch);

fn main() {
    if let Ok(spec) = std::env::var("DISPATCH_COUNT") {
        count(&spec);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
