//! Pixels: deterministic pictures from prompts, edit transforms, decoding of input
//! images, and the two encoders (a DC-only baseline JPEG writer and PNG via `png`).
//!
//! Every picture is drawn on a *canvas* of one pixel per 8×8 block of the output image,
//! then written out at full size. That keeps a 4K image cheap to produce: the JPEG writer
//! emits one DC coefficient per block (no DCT), and the PNG writer repeats canvas pixels.

use std::io::Cursor;

/// An RGB8 picture, row-major, no padding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Canvas {
    pub(crate) w: usize,
    pub(crate) h: usize,
    pub(crate) px: Vec<u8>,
}

impl Canvas {
    pub(crate) fn new(w: usize, h: usize) -> Canvas {
        Canvas {
            w,
            h,
            px: vec![0; w * h * 3],
        }
    }

    fn set(&mut self, x: usize, y: usize, c: [u8; 3]) {
        let i = (y * self.w + x) * 3;
        if let Some(dst) = self.px.get_mut(i..i + 3) {
            dst.copy_from_slice(&c);
        }
    }

    fn get(&self, x: usize, y: usize) -> [u8; 3] {
        let i = (y * self.w + x) * 3;
        match self.px.get(i..i + 3) {
            Some(s) => [s[0], s[1], s[2]],
            None => [0, 0, 0],
        }
    }

    /// Nearest-neighbour resample to `w`×`h`.
    pub(crate) fn resample(&self, w: usize, h: usize) -> Canvas {
        let mut out = Canvas::new(w, h);
        if self.w == 0 || self.h == 0 {
            return out;
        }
        for y in 0..h {
            let sy = ((2 * y + 1) * self.h / (2 * h)).min(self.h - 1);
            for x in 0..w {
                let sx = ((2 * x + 1) * self.w / (2 * w)).min(self.w - 1);
                out.set(x, y, self.get(sx, sy));
            }
        }
        out
    }
}

/// Canvas size for an output image: one canvas pixel per 8×8 block.
pub(crate) fn canvas_dims(width: u32, height: u32) -> (usize, usize) {
    (width.div_ceil(8) as usize, height.div_ceil(8) as usize)
}

// ---------------------------------------------------------------------------------------------
// Hashing and pseudo-randomness (deterministic, dependency-free)

/// FNV-1a, 64 bit.
pub(crate) fn fnv64(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A cheap fingerprint of a possibly large byte string: length, head and tail.
pub(crate) fn fingerprint(data: &[u8]) -> u64 {
    const EDGE: usize = 64 * 1024;
    let head = &data[..data.len().min(EDGE)];
    let tail = &data[data.len().saturating_sub(EDGE)..];
    let mut h = fnv64(head) ^ (data.len() as u64).rotate_left(17);
    h = h.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ fnv64(tail);
    h
}

/// splitmix64 stream.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }
}

fn hsv(h: f32, s: f32, v: f32) -> [u8; 3] {
    let h = h.rem_euclid(360.0) / 60.0;
    let c = v * s;
    let x = c * (1.0 - ((h % 2.0) - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = v - c;
    let q = |f: f32| ((f + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    [q(r), q(g), q(b)]
}

fn mix(a: [u8; 3], b: [u8; 3], t: f32) -> [u8; 3] {
    let t = t.clamp(0.0, 1.0);
    let f = |x: u8, y: u8| (f32::from(x) * (1.0 - t) + f32::from(y) * t).round() as u8;
    [f(a[0], b[0]), f(a[1], b[1]), f(a[2], b[2])]
}

/// The colour a prompt is "about": used for edit frames.
pub(crate) fn prompt_colour(prompt: &str) -> [u8; 3] {
    let mut rng = Rng::new(fnv64(prompt.as_bytes()));
    hsv(rng.unit() * 360.0, 0.85, 0.95)
}

// ---------------------------------------------------------------------------------------------
// Drawing

/// A deterministic picture for `prompt`: a two-colour gradient, a few shapes, and the
/// prompt's words drawn as coloured blocks along the bottom. All geometry is relative, so
/// the same prompt looks the same at every size.
pub(crate) fn render_prompt(prompt: &str, w: usize, h: usize) -> Canvas {
    let mut c = Canvas::new(w, h);
    if w == 0 || h == 0 {
        return c;
    }
    let mut rng = Rng::new(fnv64(prompt.as_bytes()));
    let hue = rng.unit() * 360.0;
    let c1 = hsv(hue, 0.55 + 0.3 * rng.unit(), 0.95);
    let c2 = hsv(
        hue + 90.0 + 180.0 * rng.unit(),
        0.8,
        0.35 + 0.2 * rng.unit(),
    );
    let angle = rng.unit() * std::f32::consts::TAU;
    let (dx, dy) = (angle.cos(), angle.sin());
    let (wf, hf) = (w as f32, h as f32);
    // Gradient.
    let span = dx.abs() + dy.abs();
    for y in 0..h {
        let fy = (y as f32 + 0.5) / hf - 0.5;
        for x in 0..w {
            let fx = (x as f32 + 0.5) / wf - 0.5;
            let t = 0.5 + (fx * dx + fy * dy) / span.max(1e-3);
            c.set(x, y, mix(c1, c2, t));
        }
    }
    // Shapes.
    let n = 3 + rng.below(4);
    let m = wf.min(hf);
    for _ in 0..n {
        let col = hsv(rng.unit() * 360.0, 0.7, 0.5 + 0.5 * rng.unit());
        let cx = rng.unit() * wf;
        let cy = rng.unit() * hf * 0.8;
        let r = m * (0.08 + 0.17 * rng.unit());
        let circle = rng.below(2) == 0;
        let x0 = (cx - r).max(0.0) as usize;
        let x1 = ((cx + r).ceil() as usize).min(w);
        let y0 = (cy - r).max(0.0) as usize;
        let y1 = ((cy + r).ceil() as usize).min(h);
        for y in y0..y1 {
            for x in x0..x1 {
                let ddx = x as f32 + 0.5 - cx;
                let ddy = y as f32 + 0.5 - cy;
                if !circle || ddx * ddx + ddy * ddy <= r * r {
                    c.set(x, y, col);
                }
            }
        }
    }
    draw_words(&mut c, prompt);
    c
}

/// The prompt's words as blocks in a dark band along the bottom (no font needed).
fn draw_words(c: &mut Canvas, prompt: &str) {
    let (w, h) = (c.w, c.h);
    let band_top = h - (h * 18 / 100).max(1).min(h);
    for y in band_top..h {
        for x in 0..w {
            let p = c.get(x, y);
            c.set(x, y, mix(p, [16, 16, 24], 0.8));
        }
    }
    let band_h = h - band_top;
    let rows = 3usize;
    let row_h = (band_h / (rows * 2)).max(1);
    let unit = (w / 80).max(1); // width of one character
    let margin = unit * 2;
    let mut x = margin;
    let mut row = 0usize;
    for word in prompt.split_whitespace().take(60) {
        let len = word.chars().count().min(30);
        let ww = len * unit;
        if x + ww + margin > w && x > margin {
            row += 1;
            x = margin;
        }
        if row >= rows {
            break;
        }
        let y0 = band_top + row_h / 2 + row * row_h * 2;
        let mut rng = Rng::new(fnv64(word.as_bytes()));
        let col = hsv(rng.unit() * 360.0, 0.45, 1.0);
        for y in y0..(y0 + row_h).min(h) {
            for xx in x..(x + ww).min(w) {
                c.set(xx, y, col);
            }
        }
        x += ww + unit;
    }
}

/// A "draft" look for interim thought images: desaturated and darker.
pub(crate) fn draftify(mut c: Canvas) -> Canvas {
    for p in c.px.chunks_exact_mut(3) {
        let l = ((u32::from(p[0]) * 3 + u32::from(p[1]) * 6 + u32::from(p[2])) / 10) as u8;
        let g = mix([p[0], p[1], p[2]], [l, l, l], 0.7);
        p.copy_from_slice(&mix(g, [0, 0, 0], 0.2));
    }
    c
}

/// The edit transform: the source resampled to `w`×`h`, colours inverted, inside a frame
/// in the instruction's colour (frame width 1/24 of the shorter side, at least one block).
pub(crate) fn edit_transform(src: &Canvas, instruction: &str, w: usize, h: usize) -> Canvas {
    let mut c = src.resample(w, h);
    for v in &mut c.px {
        *v = 255 - *v;
    }
    let col = prompt_colour(instruction);
    let f = (w.min(h) / 24).max(1);
    for y in 0..h {
        for x in 0..w {
            if x < f || y < f || x + f >= w || y + f >= h {
                c.set(x, y, col);
            }
        }
    }
    c
}

/// Aspect ratio (w/h) of a source picture.
pub(crate) fn aspect(src: &Canvas) -> f64 {
    if src.h == 0 {
        1.0
    } else {
        src.w as f64 / src.h as f64
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding input images

/// Largest decoded input accepted, in pixels (a decompression-bomb guard).
const MAX_DECODE_PIXELS: u64 = 80_000_000;
/// Inputs are reduced to at most this many pixels on the longer side after decoding.
const SOURCE_MAX_SIDE: usize = 1024;

/// Decode a PNG or JPEG into a (possibly reduced) canvas, by magic bytes. `None` when the
/// format is not one of those two or the bytes do not decode.
pub(crate) fn decode_image(bytes: &[u8]) -> Option<Canvas> {
    let full = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        decode_png(bytes)?
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        decode_jpeg(bytes)?
    } else {
        return None;
    };
    let longer = full.w.max(full.h);
    if longer > SOURCE_MAX_SIDE {
        let w = (full.w * SOURCE_MAX_SIDE / longer).max(1);
        let h = (full.h * SOURCE_MAX_SIDE / longer).max(1);
        Some(full.resample(w, h))
    } else {
        Some(full)
    }
}

fn decode_png(bytes: &[u8]) -> Option<Canvas> {
    let mut dec = png::Decoder::new_with_limits(
        Cursor::new(bytes),
        png::Limits {
            bytes: 512 * 1024 * 1024,
        },
    );
    dec.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = dec.read_info().ok()?;
    {
        let info = reader.info();
        if u64::from(info.width) * u64::from(info.height) > MAX_DECODE_PIXELS {
            return None;
        }
    }
    let mut buf = vec![0; reader.output_buffer_size()?];
    let out = reader.next_frame(&mut buf).ok()?;
    let (w, h) = (out.width as usize, out.height as usize);
    let data = buf.get(..out.buffer_size())?;
    let chans = match out.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => return None,
    };
    let stride = out.line_size;
    let mut c = Canvas::new(w, h);
    for y in 0..h {
        let row = data.get(y * stride..y * stride + w * chans)?;
        for x in 0..w {
            let p = &row[x * chans..x * chans + chans];
            let rgb = match chans {
                1 | 2 => [p[0], p[0], p[0]],
                _ => [p[0], p[1], p[2]],
            };
            c.set(x, y, rgb);
        }
    }
    Some(c)
}

fn decode_jpeg(bytes: &[u8]) -> Option<Canvas> {
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;
    let opts = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::RGB)
        .set_max_width(20_000)
        .set_max_height(20_000);
    let mut dec = zune_jpeg::JpegDecoder::new_with_options(Cursor::new(bytes), opts);
    dec.decode_headers().ok()?;
    let info = dec.info()?;
    let (w, h) = (usize::from(info.width), usize::from(info.height));
    if (w as u64) * (h as u64) > MAX_DECODE_PIXELS || w == 0 || h == 0 {
        return None;
    }
    let px = dec.decode().ok()?;
    if px.len() != w * h * 3 {
        return None;
    }
    Some(Canvas { w, h, px })
}

// ---------------------------------------------------------------------------------------------
// JPEG writer (baseline, 4:4:4, DC-only)

const DC_BITS: [u8; 16] = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALS: [u8; 12] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
// A two-symbol AC table: EOB ("0") and one unused symbol ("10").
const AC_BITS: [u8; 16] = [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const AC_VALS: [u8; 2] = [0x00, 0x01];
/// Every quantiser is 8, so a flat block of value v has quantised DC exactly v - 128.
const QUANT: u8 = 8;

fn huff_codes(bits: &[u8; 16], vals: &[u8]) -> [(u16, u8); 256] {
    let mut table = [(0u16, 0u8); 256];
    let mut code: u16 = 0;
    let mut k = 0;
    for (len, &count) in bits.iter().enumerate() {
        for _ in 0..count {
            if let Some(&v) = vals.get(k) {
                table[usize::from(v)] = (code, (len + 1) as u8);
            }
            code = code.wrapping_add(1);
            k += 1;
        }
        code <<= 1;
    }
    table
}

struct BitWriter {
    out: Vec<u8>,
    acc: u32,
    n: u32,
}

impl BitWriter {
    fn put(&mut self, code: u32, len: u32) {
        if len == 0 {
            return;
        }
        self.acc = (self.acc << len) | (code & ((1u32 << len) - 1));
        self.n += len;
        while self.n >= 8 {
            let b = (self.acc >> (self.n - 8)) as u8;
            self.out.push(b);
            if b == 0xFF {
                self.out.push(0);
            }
            self.n -= 8;
        }
        self.acc &= (1u32 << self.n) - 1;
    }
    fn flush(&mut self) {
        if self.n > 0 {
            let pad = 8 - self.n;
            self.put((1u32 << pad) - 1, pad);
        }
    }
}

fn segment(out: &mut Vec<u8>, marker: u8, payload: &[u8]) {
    out.extend_from_slice(&[0xFF, marker]);
    let len = (payload.len() + 2) as u16;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
}

/// Filler bytes for padding: one pseudo-random block per seed, repeated (cheap to make,
/// and not trivially compressible within a block).
fn filler(len: usize, seed: u64, printable: bool) -> Vec<u8> {
    const BLOCK: usize = 64 * 1024;
    let mut rng = Rng::new(seed);
    let mut block = Vec::with_capacity(BLOCK);
    while block.len() < BLOCK {
        block.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    if printable {
        for b in &mut block {
            // Printable ASCII keeps a JPEG comment readable by any tool.
            *b = b' ' + *b % 95;
        }
    }
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        let n = (len - out.len()).min(BLOCK);
        out.extend_from_slice(&block[..n]);
    }
    out
}

/// Padding in COM segments so the file is about `target` bytes long.
fn jpeg_padding(natural: usize, target: usize, seed: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let mut remaining = target.saturating_sub(natural);
    let payload = filler(65_533, seed, true);
    while remaining > 4 {
        let n = (remaining - 4).min(65_533);
        segment(&mut out, 0xFE, &payload[..n]);
        remaining -= n + 4;
    }
    out
}

/// Encode a canvas as a baseline JPEG of `width`×`height` where canvas pixel (x, y)
/// fills the 8×8 block (x, y). The canvas must be `canvas_dims(width, height)`.
/// With `pad_to`, COM segments bring the file to about that many bytes.
pub(crate) fn encode_jpeg(c: &Canvas, width: u16, height: u16, pad_to: Option<usize>) -> Vec<u8> {
    let dc = huff_codes(&DC_BITS, &DC_VALS);
    let ac = huff_codes(&AC_BITS, &AC_VALS);
    let (eob_code, eob_len) = ac[0];
    let mut bw = BitWriter {
        out: Vec::with_capacity(c.w * c.h * 3 / 2 + 64),
        acc: 0,
        n: 0,
    };
    let mut pred = [0i32; 3];
    for p in c.px.chunks_exact(3) {
        let (r, g, b) = (i32::from(p[0]), i32::from(p[1]), i32::from(p[2]));
        let y = (19595 * r + 38470 * g + 7471 * b + 32768) >> 16;
        let cb = ((-11059 * r - 21709 * g + 32768 * b + 32768) >> 16) + 128;
        let cr = ((32768 * r - 27439 * g - 5329 * b + 32768) >> 16) + 128;
        for (i, v) in [y, cb, cr].into_iter().enumerate() {
            let v = v.clamp(0, 255) - 128;
            let diff = v - pred[i];
            pred[i] = v;
            let size = 32 - diff.unsigned_abs().leading_zeros();
            let (code, len) = dc[size as usize];
            bw.put(u32::from(code), u32::from(len));
            if size > 0 {
                let bits = if diff < 0 {
                    diff + (1 << size) - 1
                } else {
                    diff
                };
                bw.put(bits as u32, size);
            }
            bw.put(u32::from(eob_code), u32::from(eob_len));
        }
    }
    bw.flush();
    let scan = bw.out;

    let mut head = Vec::with_capacity(400);
    head.extend_from_slice(&[0xFF, 0xD8]);
    segment(
        &mut head,
        0xE0,
        &[b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0],
    );
    let mut dqt = vec![0u8];
    dqt.extend_from_slice(&[QUANT; 64]);
    segment(&mut head, 0xDB, &dqt);
    let [hh, hl] = height.to_be_bytes();
    let [wh, wl] = width.to_be_bytes();
    segment(
        &mut head,
        0xC0,
        &[8, hh, hl, wh, wl, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0],
    );
    let mut dht = vec![0x00];
    dht.extend_from_slice(&DC_BITS);
    dht.extend_from_slice(&DC_VALS);
    dht.push(0x10);
    dht.extend_from_slice(&AC_BITS);
    dht.extend_from_slice(&AC_VALS);
    segment(&mut head, 0xC4, &dht);
    let sos = [3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0];
    let natural = head.len() + 2 + 2 + sos.len() + scan.len() + 2;
    let padding = match pad_to {
        Some(t) => jpeg_padding(natural, t, fnv64(&scan)),
        None => Vec::new(),
    };
    let mut out = Vec::with_capacity(natural + padding.len());
    // SOI + APP0, then the padding, then the rest (tables, frame, scan).
    let app0_end = 2 + 18;
    out.extend_from_slice(&head[..app0_end]);
    out.extend_from_slice(&padding);
    out.extend_from_slice(&head[app0_end..]);
    segment(&mut out, 0xDA, &sos);
    out.extend_from_slice(&scan);
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

// ---------------------------------------------------------------------------------------------
// PNG writer

/// Encode a canvas as an RGB PNG of `width`×`height` (canvas pixels become 8×8 blocks).
/// With `pad_to`, private ancillary `emPd` chunks (ignored by decoders) bring the file to
/// about that many bytes.
pub(crate) fn encode_png(
    c: &Canvas,
    width: u32,
    height: u32,
    pad_to: Option<usize>,
) -> Result<Vec<u8>, png::EncodingError> {
    let (w, h) = (width as usize, height as usize);
    let mut raw = Vec::with_capacity(w * h * 3);
    let mut row = Vec::with_capacity(w * 3);
    for y in 0..h {
        if y % 8 == 0 {
            row.clear();
            let cy = (y / 8).min(c.h.saturating_sub(1));
            for x in 0..w {
                let cx = (x / 8).min(c.w.saturating_sub(1));
                row.extend_from_slice(&c.get(cx, cy));
            }
        }
        raw.extend_from_slice(&row);
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        let mut writer = enc.write_header()?;
        writer.write_image_data(&raw)?;
        writer.finish()?;
    }
    if let Some(target) = pad_to {
        let natural = out.len();
        if target > natural + 12 {
            // Insert before IEND (the last 12 bytes).
            let iend = out.split_off(natural.saturating_sub(12));
            let mut remaining = target - natural;
            const CHUNK: usize = 1 << 20;
            let mut full = b"emPd".to_vec();
            full.extend_from_slice(&filler(
                CHUNK,
                fnv64(&out[out.len().saturating_sub(4096)..]),
                false,
            ));
            let full_crc = crc32(&full);
            out.reserve(remaining);
            while remaining > 12 {
                let n = (remaining - 12).min(CHUNK);
                let typed = &full[..4 + n];
                let crc = if n == CHUNK { full_crc } else { crc32(typed) };
                out.extend_from_slice(&(n as u32).to_be_bytes());
                out.extend_from_slice(typed);
                out.extend_from_slice(&crc.to_be_bytes());
                remaining -= n + 12;
            }
            out.extend_from_slice(&iend);
        }
    }
    Ok(out)
}

fn crc32(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, e) in t.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            *e = c;
        }
        t
    });
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c = table[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
    }
    c ^ 0xFFFF_FFFF
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_round_trips_through_a_real_decoder() {
        let c = render_prompt("a red fox in the snow", 40, 30);
        let jpg = encode_jpeg(&c, 317, 233, None);
        let d = decode_jpeg(&jpg).unwrap();
        assert_eq!((d.w, d.h), (317, 233));
        // Block (3, 2) is flat and close to the canvas colour.
        let want = c.get(3, 2);
        let got = d.get(3 * 8 + 4, 2 * 8 + 4);
        for i in 0..3 {
            assert!(
                (i32::from(want[i]) - i32::from(got[i])).abs() <= 6,
                "{want:?} {got:?}"
            );
        }
    }

    #[test]
    fn padded_jpeg_and_png_still_decode() {
        let c = render_prompt("x", 16, 16);
        let jpg = encode_jpeg(&c, 128, 128, Some(300_000));
        assert!((299_000..=301_000).contains(&jpg.len()), "{}", jpg.len());
        assert!(decode_jpeg(&jpg).is_some());
        let p = encode_png(&c, 128, 128, Some(2_500_000)).unwrap();
        assert!((2_499_000..=2_501_000).contains(&p.len()), "{}", p.len());
        let d = decode_png(&p).unwrap();
        assert_eq!((d.w, d.h), (128, 128));
    }

    #[test]
    fn crc_matches_known_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }
}
