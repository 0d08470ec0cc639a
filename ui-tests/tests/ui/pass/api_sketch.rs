// Everything DESIGN.md's API sketch shows must keep compiling.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use interop_runtime::{jsinvokable, ByteArray, JsRuntime, ObjectRef};

// A free sync function; the identifier defaults to the function's name.
#[jsinvokable]
pub fn return_array() -> Vec<i32> {
    vec![1, 2, 3]
}

// A free async function with an identifier, an alias and an assembly.
#[jsinvokable("ReturnArrayAsync", "DifferentMethodName", assembly = "BlazorSample")]
pub async fn return_array_async() -> Vec<i32> {
    vec![1, 2, 3]
}

// Bytes in (binary, never base64), `Result` out.
#[jsinvokable("ReceiveByteArray", assembly = "BlazorSample")]
pub async fn receive_byte_array(bytes: ByteArray) -> Result<String, std::string::FromUtf8Error> {
    String::from_utf8(bytes.into_vec())
}

// Bytes out.
#[jsinvokable("SendByteArray")]
pub fn send_byte_array() -> ByteArray {
    ByteArray::from(vec![1u8, 2, 3])
}

// The calling runtime is injected, by value or by reference, and never counted as an argument.
#[jsinvokable("CallBack")]
pub async fn call_back(runtime: JsRuntime, identifier: String) -> Result<String, interop_runtime::JsError> {
    runtime.invoke::<String>(&identifier, ()).await
}

#[jsinvokable("RuntimeByRef")]
pub fn runtime_by_ref(count: u32, _runtime: &JsRuntime) -> u32 {
    count
}

// A function handing JavaScript an object.
#[jsinvokable("NewHelper")]
pub fn new_helper(name: String) -> ObjectRef<HelloHelper> {
    ObjectRef::new(HelloHelper { name, calls: AtomicU64::new(0) })
}

// A function receiving an object JavaScript holds.
#[jsinvokable("HelperName")]
pub fn helper_name(helper: ObjectRef<HelloHelper>) -> String {
    helper.borrow().get_hello_message()
}

pub struct HelloHelper {
    name: String,
    calls: AtomicU64,
}

#[jsinvokable(assembly = "BlazorSample")]
impl HelloHelper {
    #[jsinvokable("GetHelloMessage")]
    pub fn get_hello_message(&self) -> String {
        self.calls.fetch_add(1, Ordering::Relaxed);
        format!("Hello, {}!", self.name)
    }

    #[jsinvokable("Rename")]
    pub fn rename(&mut self, name: String) {
        self.name = name;
    }

    #[jsinvokable("CallsAsync")]
    pub async fn calls_async(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    // A `self`-less function in a non-generic annotated impl is a static entry.
    #[jsinvokable("Create")]
    pub fn create(name: String) -> ObjectRef<HelloHelper> {
        ObjectRef::new(HelloHelper { name, calls: AtomicU64::new(0) })
    }

    // Unmarked items stay ordinary Rust.
    pub fn name(&self) -> &str {
        &self.name
    }
}

pub struct GenericType<T> {
    value: Mutex<Option<T>>,
}

// A generic impl: one method table per instance type, no list.
#[jsinvokable]
impl<T: serde::de::DeserializeOwned + serde::Serialize + std::fmt::Debug + Clone + Send + Sync + 'static> GenericType<T> {
    #[jsinvokable("Update")]
    pub fn update(&self, new_value: T) {
        *self.value.lock().unwrap() = Some(new_value);
    }

    #[jsinvokable("UpdateAsync")]
    pub async fn update_async(&self, new_value: T) {
        *self.value.lock().unwrap() = Some(new_value);
    }

    #[jsinvokable("Get")]
    pub fn get(&self) -> Option<T> {
        self.value.lock().unwrap().clone()
    }
}

// Another type of the same module with a static of the same Rust name, and a free function of
// that name too: their registry entries must not collide.
pub struct Other;

#[jsinvokable]
impl Other {
    #[jsinvokable("CreateOther")]
    pub fn create() -> u32 {
        2
    }
}

#[jsinvokable("CreateFree")]
pub fn create() -> u32 {
    3
}

// A raw identifier: JavaScript calls it "match".
#[jsinvokable]
pub fn r#match() -> bool {
    true
}

// A type with no exposed methods still needs an (empty) annotated impl to be handed out.
pub struct Opaque;

#[jsinvokable]
impl Opaque {}

mod reexport {
    pub use interop_runtime as rt;
}

// The runtime reached through a re-export.
#[reexport::rt::jsinvokable("ThroughReexport", crate = "reexport::rt")]
pub fn through_reexport(value: u32) -> u32 {
    value + 1
}

pub struct Reexported;

#[reexport::rt::jsinvokable(crate = "reexport::rt")]
impl Reexported {
    #[jsinvokable("Ping")]
    pub fn ping(&self) -> String {
        "pong".to_owned()
    }

    #[jsinvokable("Make")]
    pub fn make() -> reexport::rt::ObjectRef<Reexported> {
        reexport::rt::ObjectRef::new(Reexported)
    }
}

fn main() {
    let helper = ObjectRef::new(HelloHelper { name: "Amy Pond".into(), calls: AtomicU64::new(0) });
    assert_eq!(helper.borrow().name(), "Amy Pond");
    helper.dispose();

    let strings: ObjectRef<GenericType<String>> = ObjectRef::new(GenericType { value: Mutex::new(None) });
    let numbers: ObjectRef<GenericType<i32>> = ObjectRef::new(GenericType { value: Mutex::new(Some(1)) });
    strings.borrow().update("x".to_owned());
    assert_eq!(numbers.borrow().get(), Some(1));

    let _opaque = ObjectRef::new(Opaque);
    let _reexported = Reexported::make();

    // Every static entry registered once, under the expected assembly.
    interop_runtime::check_registry().unwrap();
    let methods = interop_runtime::registered_methods();
    let find = |identifier: &str| {
        methods
            .iter()
            .find(|method| method.identifier == identifier)
            .unwrap_or_else(|| panic!("{identifier} is not registered"))
    };
    assert_eq!(find("ReturnArrayAsync").assembly, "BlazorSample");
    assert_eq!(find("DifferentMethodName").assembly, "BlazorSample");
    assert_eq!(find("Create").assembly, "BlazorSample");
    assert_eq!(find("return_array").assembly, env!("CARGO_CRATE_NAME"));
    assert_eq!(find("CreateOther").assembly, env!("CARGO_CRATE_NAME"));
    assert!(find("CreateFree").rust_path.ends_with("::create"));
    assert!(find("match").rust_path.ends_with("match"));
    assert!(find("CallBack").is_async);
    assert!(!find("RuntimeByRef").is_async);
    assert_eq!(find("ThroughReexport").assembly, env!("CARGO_CRATE_NAME"));
    assert_eq!(find("Make").assembly, env!("CARGO_CRATE_NAME"));
}
