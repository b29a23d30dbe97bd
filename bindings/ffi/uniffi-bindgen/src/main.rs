//! `uniffi-bindgen`, built from the same uniffi version as `gemini-image-ffi`, so the
//! generated Kotlin, Swift and Python match the scaffolding in the cdylib.

fn main() {
    uniffi::uniffi_bindgen_main()
}
