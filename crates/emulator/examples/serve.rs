//! Runs the emulator until killed: `cargo run -p gemini-image-emulator --example serve -- 8080`.

fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(8080);
    gemini_image_emulator::run_forever(std::net::SocketAddr::from(([127, 0, 0, 1], port)))
}
