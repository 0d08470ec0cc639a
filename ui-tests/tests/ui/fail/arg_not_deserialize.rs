use interop_runtime::jsinvokable;

pub struct Point {
    pub x: i32,
    pub y: i32,
}

#[jsinvokable("Length")]
pub fn length(point: Point) -> f64 {
    f64::from(point.x * point.x + point.y * point.y).sqrt()
}

fn main() {}
