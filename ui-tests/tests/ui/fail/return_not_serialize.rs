use interop_runtime::jsinvokable;

pub struct Point {
    pub x: i32,
    pub y: i32,
}

#[jsinvokable("Origin")]
pub fn origin() -> Point {
    Point { x: 0, y: 0 }
}

#[jsinvokable("CheckedOrigin")]
pub fn checked_origin() -> Result<Point, String> {
    Ok(Point { x: 0, y: 0 })
}

#[jsinvokable("OriginAsync")]
pub async fn origin_async() -> Point {
    Point { x: 0, y: 0 }
}

fn main() {}
