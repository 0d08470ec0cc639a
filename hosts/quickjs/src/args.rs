//! The JSON of a call's argument array, written by the host from the JS values themselves.
//!
//! Our client hands `beginInvokeDotNetFromJSDirect` the argument array instead of its JSON when
//! it can: building `"[" + n + "]"` or running `JSON.stringify` in the interpreter costs more
//! than the rest of the call. The host writes the array when every element is a string, a
//! number, a boolean, `null` or `undefined`, to text that serde reads as the same values
//! `JSON.stringify`'s text gives; for anything else it answers that it did not write them, and
//! the client's serializer does (it replaces object references, byte arrays and streams by their
//! markers).

use rquickjs::{Array, Type, Value};

/// The argument array as JSON, or `None` when an element is not a primitive this function
/// writes (an object, an array, a symbol, a function, a BigInt), when a string holds a lone
/// surrogate (left to `JSON.stringify`, which escapes it), or when a number is an integer of
/// 2^53 or more (whose digits `JSON.stringify` rounds: left to it, so an integer parameter
/// reads the same digits either way).
pub(crate) fn primitive_array_json(array: &Array<'_>) -> Option<String> {
    let mut json = Vec::with_capacity(16);
    json.push(b'[');
    for (index, item) in array.iter::<Value>().enumerate() {
        let item = item.ok()?;
        if index > 0 {
            json.push(b',');
        }
        write_primitive(&mut json, &item)?;
    }
    json.push(b']');
    String::from_utf8(json).ok()
}

/// The largest integer below which every integer is a double and `JSON.stringify` writes all
/// its digits.
const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0; // 2^53

fn write_primitive(json: &mut Vec<u8>, item: &Value<'_>) -> Option<()> {
    match item.type_of() {
        Type::Int => serde_json::to_writer(json, &item.as_int()?).ok(),
        Type::Float => {
            let number = item.as_float()?;
            if !number.is_finite() {
                // `JSON.stringify` writes NaN and ±Infinity as null.
                json.extend_from_slice(b"null");
                Some(())
            } else if number.fract() == 0.0 {
                // An integral double (`-0` included) is written as an integer, as
                // `JSON.stringify` does, so that integer parameters accept it.
                if number.abs() >= EXACT_INTEGERS {
                    return None;
                }
                serde_json::to_writer(json, &(number as i64)).ok()
            } else {
                // Shortest text that reads back as the same double, as `JSON.stringify`'s.
                serde_json::to_writer(json, &number).ok()
            }
        }
        Type::Bool => serde_json::to_writer(json, &item.as_bool()?).ok(),
        Type::Null | Type::Undefined | Type::Uninitialized => {
            json.extend_from_slice(b"null");
            Some(())
        }
        // `to_string` refuses a lone surrogate (not UTF-8): `JSON.stringify` escapes it.
        Type::String => serde_json::to_writer(json, &item.as_string()?.to_string().ok()?).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use rquickjs::{Context, Runtime};

    use super::primitive_array_json;

    /// What the host writes for the array `script` evaluates to, and `JSON.stringify`'s text
    /// for it when asked.
    fn written(script: &str, stringify: bool) -> (Option<String>, Option<String>) {
        let runtime = Runtime::new().unwrap();
        let context = Context::full(&runtime).unwrap();
        context.with(|ctx| {
            let array: rquickjs::Array = ctx.eval(script).unwrap();
            let stringified =
                stringify.then(|| ctx.eval(format!("JSON.stringify({script})")).unwrap());
            (primitive_array_json(&array), stringified)
        })
    }

    #[test]
    fn primitives_read_back_as_the_values_json_stringify_gives() {
        for script in [
            "[]",
            "[1]",
            "[-0, 0, 5.0, 10 / 2, -7, 2147483648, 9007199254740991, -9007199254740991]",
            "[0.1, 0.1 + 0.2, 1e-7, -2.5e-300, 5e-324, 123.456]",
            "[NaN, Infinity, -Infinity, null, undefined]",
            "[true, false]",
            "['Amy Pond', '', 'quote \" backslash \\\\ newline \\n tab \\t', '\\u0001', 'é😀', '\\u2028']",
            "[1, 'two', true, null]",
        ] {
            let (written, stringified) = written(script, true);
            let written = written.unwrap_or_else(|| panic!("{script} is written by the host"));
            let written: serde_json::Value = serde_json::from_str(&written).unwrap();
            let stringified: serde_json::Value =
                serde_json::from_str(&stringified.unwrap()).unwrap();
            assert_eq!(written, stringified, "{script}");
        }
    }

    #[test]
    fn integral_numbers_stay_integers() {
        let (written, _) = written("[-0, 10 / 2, 2 ** 40, 27]", false);
        assert_eq!(written.as_deref(), Some("[0,5,1099511627776,27]"));
    }

    #[test]
    fn anything_else_is_left_to_the_client() {
        for script in [
            "[{}]",
            "[[1]]",
            "[1, new Uint8Array(2)]",
            "[Symbol('s')]",
            "[() => 1]",
            "[10n]",
            "['\\ud800']",
            "[2 ** 53]",
            "[-(2 ** 60)]",
        ] {
            assert_eq!(written(script, false).0, None, "{script}");
        }
    }
}
