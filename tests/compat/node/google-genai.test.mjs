// Google's official JS SDK (@google/genai) against the emulator, with node --test.
//
// Every client keeps the SDK's DEFAULT settings (API version v1, no retries, default
// timeouts) except `baseUrl` and the key. Fault prompts use `[[fault:NAME:1]]` (fail the
// first request with that prompt only): if the SDK retried, the retry would succeed and
// the test would fail, so each error test also proves a single attempt.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";

import {
  ApiError,
  BlockedReason,
  FinishReason,
  GoogleGenAI,
  HarmProbability,
  MediaModality,
} from "@google/genai";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const KEY = "compat-test-key";

function binary() {
  if (process.env.GEMINI_IMAGE_BIN) return process.env.GEMINI_IMAGE_BIN;
  const candidates = [join(REPO, "target", "debug", "gemini-image")];
  const target = join(REPO, "target");
  if (existsSync(target)) {
    for (const dir of readdirSync(target)) {
      candidates.push(join(target, dir, "debug", "gemini-image"));
    }
  }
  const found = candidates
    .filter((p) => existsSync(p))
    .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
  if (found.length === 0) {
    throw new Error(
      "no gemini-image binary: run `cargo build -p gemini-image-cli` or set GEMINI_IMAGE_BIN",
    );
  }
  return found[found.length - 1];
}

/** Starts `gemini-image emulator --port 0`; resolves with the process and its URL. */
function startEmulator() {
  const proc = spawn(binary(), ["emulator", "--port", "0"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  return new Promise((resolvePromise, reject) => {
    const lines = createInterface({ input: proc.stdout });
    const banner = [];
    proc.on("error", reject);
    proc.on("exit", (code) => reject(new Error(`emulator exited with ${code}`)));
    lines.on("line", (line) => {
      banner.push(line);
      if (banner.length === 1) {
        const match = /http:\/\/127\.0\.0\.1:\d+/.exec(line);
        if (!match) reject(new Error(`the emulator did not print its URL: ${line}`));
        else resolvePromise({ proc, url: match[0], banner });
      }
    });
  });
}

let counter = 0;
/** A prompt no other test sends (fault counts are per exact prompt). */
const unique = (prompt) => `${prompt} #${counter++}`;

function imageSize(b64) {
  const data = Buffer.from(b64, "base64");
  if (data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return [data.readUInt32BE(16), data.readUInt32BE(20)];
  }
  assert.deepEqual([...data.subarray(0, 3)], [0xff, 0xd8, 0xff]);
  let i = 2;
  while (i < data.length) {
    const marker = data[i + 1];
    const length = data.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc2) {
      return [data.readUInt16BE(i + 7), data.readUInt16BE(i + 5)];
    }
    i += 2 + length;
  }
  throw new Error("no SOF marker");
}

function crc32(buf) {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function solidPng(w, h, [r, g, b]) {
  const chunk = (kind, body) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(kind), body])));
    return Buffer.concat([len, Buffer.from(kind), body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array(w).fill([r, g, b]).flat())]);
  const raw = Buffer.concat(Array(h).fill(row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function finalImage(response) {
  const parts = response.candidates?.[0]?.content?.parts ?? [];
  const images = parts.filter((p) => p.inlineData && !p.thought);
  assert.ok(images.length > 0, JSON.stringify(response).slice(0, 300));
  return images[images.length - 1].inlineData;
}

function assertUsageAddsUp(usage) {
  const sum = (list) => (list ?? []).reduce((n, d) => n + (d.tokenCount ?? 0), 0);
  assert.equal(typeof usage.promptTokenCount, "number");
  assert.equal(usage.candidatesTokenCount ?? 0, sum(usage.candidatesTokensDetails));
  assert.equal(usage.promptTokenCount, sum(usage.promptTokensDetails));
  assert.equal(
    usage.totalTokenCount,
    usage.promptTokenCount + (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0),
  );
  for (const d of usage.candidatesTokensDetails ?? []) {
    assert.ok(Object.values(MediaModality).includes(d.modality), d.modality);
  }
}

/** Runs `fn`, expects an ApiError with `status`; returns it. */
async function rejectsWith(fn, status) {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof ApiError, `not an ApiError: ${e}`);
    assert.equal(e.status, status, e.message);
    return e;
  }
  assert.fail(`no error (expected ${status})`);
}

const MODELS = [
  ["gemini-2.5-flash-image", "image/png", false],
  ["gemini-2.5-flash-image-preview", "image/png", false],
  ["gemini-3-pro-image", "image/jpeg", true],
  ["gemini-3-pro-image-preview", "image/jpeg", true],
  ["gemini-3.1-flash-image", "image/jpeg", true],
  ["gemini-3.1-flash-image-preview", "image/jpeg", true],
  ["gemini-3.1-flash-lite-image", "image/jpeg", true],
];

describe("@google/genai against gemini-image emulator", () => {
  let emu;
  let google;
  let gateway;

  before(async () => {
    emu = await startEmulator();
    google = new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: emu.url } });
    gateway = new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: `${emu.url}/gemini` } });
  });

  after(() => {
    emu?.proc.kill();
  });

  test("the start banner gives these exact client settings", async () => {
    const wanted = `httpOptions: { baseUrl: "${emu.url}" }`;
    for (let i = 0; i < 100 && !emu.banner.some((l) => l.includes(wanted)); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(emu.banner[0].startsWith(`gemini-image emulator listening on ${emu.url}`));
    assert.ok(
      emu.banner.some((l) => l.includes(`new GoogleGenAI({ apiKey: "any-non-empty-key", ${wanted} })`)),
      emu.banner.join("\n"),
    );
  });

  for (const [model, mime, thinks] of MODELS) {
    test(`text to image on ${model}`, async () => {
      const response = await google.models.generateContent({
        model,
        contents: "a lighthouse at dusk",
      });
      const blob = finalImage(response);
      assert.equal(blob.mimeType, mime);
      assert.deepEqual(imageSize(blob.data), [1024, 1024]);
      const candidate = response.candidates[0];
      assert.equal(candidate.finishReason, FinishReason.STOP);
      assert.equal(candidate.index, 0);
      assert.deepEqual(
        candidate.safetyRatings.map((r) => r.probability),
        Array(4).fill(HarmProbability.NEGLIGIBLE),
      );
      assert.equal(response.modelVersion, model);
      assert.ok(response.responseId);
      assertUsageAddsUp(response.usageMetadata);
      const parts = candidate.content.parts;
      assert.equal(parts.some((p) => p.thought), thinks);
      if (thinks) {
        assert.ok(response.usageMetadata.thoughtsTokenCount > 0);
        assert.ok(parts.some((p) => !p.thought && typeof p.thoughtSignature === "string"));
      }
    });
  }

  test("aspect ratio and image size", async () => {
    let response = await google.models.generateContent({
      model: "gemini-3-pro-image-preview",
      contents: "a wide valley",
      config: { imageConfig: { aspectRatio: "16:9", imageSize: "2K" } },
    });
    assert.deepEqual(imageSize(finalImage(response).data), [2752, 1536]);
    response = await google.models.generateContent({
      model: "gemini-3.1-flash-image-preview",
      contents: "a tall tower",
      config: { responseModalities: ["IMAGE"], imageConfig: { aspectRatio: "1:4", imageSize: "512" } },
    });
    assert.deepEqual(imageSize(finalImage(response).data), [256, 1032]);
  });

  test("Google's rejections", async () => {
    let e = await rejectsWith(
      () =>
        google.models.generateContent({
          model: "gemini-3-pro-image-preview",
          contents: "x",
          config: { imageConfig: { imageSize: "2k" } },
        }),
      400,
    );
    assert.equal(JSON.parse(e.message).error.status, "INVALID_ARGUMENT");
    assert.match(e.message, /Unsupported image_size '2k'/);
    const png = solidPng(8, 8, [1, 2, 3]).toString("base64");
    const withImages = (mimeType, n) => [
      {
        role: "user",
        parts: [...Array(n).fill({ inlineData: { mimeType, data: png } }), { text: "x" }],
      },
    ];
    e = await rejectsWith(
      () =>
        google.models.generateContent({
          model: "gemini-2.5-flash-image",
          contents: withImages("image/gif", 1),
        }),
      400,
    );
    assert.equal(JSON.parse(e.message).error.message, "Unsupported MIME type: image/gif");
    e = await rejectsWith(
      () =>
        google.models.generateContent({
          model: "gemini-2.5-flash-image",
          contents: withImages("image/png", 4),
        }),
      400,
    );
    assert.match(JSON.parse(e.message).error.message, /^Too many input images/);
    e = await rejectsWith(
      () => google.models.generateContent({ model: "nano-banana-pro", contents: "x" }),
      404,
    );
    assert.equal(JSON.parse(e.message).error.status, "NOT_FOUND");
  });

  test("edit with an input image", async () => {
    const source = solidPng(96, 64, [200, 30, 30]).toString("base64");
    const response = await google.models.generateContent({
      model: "gemini-2.5-flash-image",
      contents: [
        { role: "user", parts: [{ inlineData: { mimeType: "image/png", data: source } }, { text: "make it blue" }] },
      ],
    });
    assert.deepEqual(imageSize(finalImage(response).data), [1248, 832]);
    assert.equal(response.usageMetadata.promptTokensDetails[0].modality, MediaModality.IMAGE);
  });

  test("stream", async () => {
    const chunks = [];
    for await (const chunk of await google.models.generateContentStream({
      model: "gemini-3-pro-image-preview",
      contents: "a streamed fox",
    })) {
      chunks.push(chunk);
    }
    assert.equal(chunks.length, 4);
    const part = (i) => chunks[i].candidates[0].content.parts[0];
    assert.ok(part(0).thought && part(0).text);
    assert.ok(part(1).thought && part(1).inlineData);
    assert.ok(part(2).thoughtSignature);
    assert.deepEqual(imageSize(part(2).inlineData.data), [1024, 1024]);
    const last = chunks[chunks.length - 1];
    assert.equal(last.candidates[0].finishReason, FinishReason.STOP);
    assert.ok(part(3).thoughtSignature);
    assertUsageAddsUp(last.usageMetadata);
    assert.equal(new Set(chunks.map((c) => c.responseId)).size, 1);
  });

  test("three-turn chat round-trips the thought signatures", async () => {
    const chat = google.chats.create({ model: "gemini-3-pro-image-preview" });
    for (const message of ["a cozy cabin in the snow", "make it daytime", "add a red sled"]) {
      // A later turn would be a 400 if the SDK had not sent the signatures back.
      const response = await chat.sendMessage({ message });
      assert.deepEqual(imageSize(finalImage(response).data), [1024, 1024]);
    }
    const history = chat.getHistory();
    assert.deepEqual(
      history.map((c) => c.role),
      ["user", "model", "user", "model", "user", "model"],
    );
    for (const turn of history.filter((c) => c.role === "model")) {
      assert.ok(turn.parts.some((p) => !p.thought && p.thoughtSignature));
    }
  });

  const HTTP_FAULTS = [
    ["rate_limit", 429, "RESOURCE_EXHAUSTED"],
    ["credits", 429, "RESOURCE_EXHAUSTED"],
    ["overloaded", 503, "UNAVAILABLE"],
    ["internal", 500, "INTERNAL"],
    ["deadline", 504, "DEADLINE_EXCEEDED"],
    ["html_502", 502, null],
    ["budget", 429, null],
  ];
  for (const [fault, status, rpcStatus] of HTTP_FAULTS) {
    test(`fault ${fault} raises ApiError ${status}`, async () => {
      const prompt = unique(`a kite [[fault:${fault}:1]]`);
      const call = () =>
        google.models.generateContent({ model: "gemini-3-pro-image-preview", contents: prompt });
      const e = await rejectsWith(call, status);
      if (fault === "html_502") {
        assert.match(e.message, /502 Bad Gateway/);
      } else {
        const body = JSON.parse(e.message);
        if (rpcStatus) assert.equal(body.error.status, rpcStatus);
        if (fault === "rate_limit") {
          assert.ok(
            body.error.details.some(
              (d) => d["@type"] === "type.googleapis.com/google.rpc.RetryInfo" && d.retryDelay === "1s",
            ),
          );
        }
        if (fault === "budget") {
          assert.deepEqual(body, {
            error: {
              message: "Budget has been exceeded! Current cost: 50.01, Max budget: 50.0",
              type: "budget_exceeded",
              param: null,
              code: "429",
            },
          });
        }
      }
      // One attempt only: the same prompt now succeeds.
      finalImage(await call());
    });
  }

  test("HTTP-200 outcomes parse", async () => {
    const model = "gemini-3-pro-image-preview";
    const run = (contents, m = model) => google.models.generateContent({ model: m, contents });
    let r = await run("x [[fault:image_safety]]");
    assert.equal(r.candidates[0].finishReason, FinishReason.IMAGE_SAFETY);
    assertUsageAddsUp(r.usageMetadata);
    r = await run("x [[fault:prohibited]]");
    assert.equal(r.candidates[0].finishReason, FinishReason.IMAGE_PROHIBITED_CONTENT);
    r = await run("x [[fault:no_image]]", "gemini-2.5-flash-image");
    assert.equal(r.candidates[0].finishReason, FinishReason.NO_IMAGE);
    r = await run("x [[fault:blocked]]");
    assert.equal(r.candidates, undefined);
    assert.equal(r.promptFeedback.blockReason, BlockedReason.PROHIBITED_CONTENT);
    r = await run("x [[fault:refusal]]");
    assert.equal(r.candidates[0].finishReason, FinishReason.STOP);
    assert.equal(r.text, "I can't create images of that.");
    assertUsageAddsUp(r.usageMetadata);
  });

  test("a mid-stream error raises ApiError 503", async () => {
    const stream = await google.models.generateContentStream({
      model: "gemini-3-pro-image-preview",
      contents: unique("a kite [[fault:stream_error:1]]"),
    });
    const seen = [];
    const e = await rejectsWith(async () => {
      for await (const chunk of stream) seen.push(chunk);
    }, 503);
    assert.equal(seen.length, 1);
    assert.ok(seen[0].candidates[0].content.parts[0].thought);
    assert.match(e.message, /UNAVAILABLE/);
  });

  test("the raw mid-stream error line: a plain Error without a status", async () => {
    // Why `stream_error` frames its error as an SSE event: @google/genai cannot attach a
    // status to a bare JSON line.
    const stream = await google.models.generateContentStream({
      model: "gemini-3-pro-image-preview",
      contents: unique("a kite [[fault:stream_error_raw:1]]"),
    });
    const seen = [];
    await assert.rejects(
      async () => {
        for await (const chunk of stream) seen.push(chunk);
      },
      (e) => !(e instanceof ApiError) && e.status === undefined,
    );
    assert.equal(seen.length, 1);
  });

  test("model endpoints", async () => {
    const model = await google.models.get({ model: "gemini-3-pro-image-preview" });
    assert.equal(model.name, "models/gemini-3-pro-image-preview");
    assert.equal(model.inputTokenLimit, 65536);
    assert.ok(model.supportedActions.includes("generateContent"));
    const names = [];
    for await (const m of await google.models.list()) names.push(m.name);
    assert.ok(names.includes("models/gemini-2.5-flash-image"), names.join());
    const counted = await google.models.countTokens({
      model: "gemini-2.5-flash-image",
      contents: "count these tokens",
    });
    assert.equal(counted.totalTokens, 5);
    await rejectsWith(() => google.models.get({ model: "gemini-9-ultra-image" }), 404);
  });

  test("configured by the environment alone", async () => {
    // The banner's `or env:` line: no options at all.
    const saved = { ...process.env };
    process.env.GOOGLE_GEMINI_BASE_URL = emu.url;
    process.env.GEMINI_API_KEY = KEY;
    delete process.env.GOOGLE_API_KEY;
    try {
      const envClient = new GoogleGenAI({});
      const response = await envClient.models.generateContent({
        model: "gemini-2.5-flash-image",
        contents: "an env cat",
      });
      assert.equal(finalImage(response).mimeType, "image/png");
      // The emulator sends finishMessage (checked over raw HTTP in Rust); the SDK drops it.
      const blocked = await envClient.models.generateContent({
        model: "gemini-3-pro-image-preview",
        contents: "x [[fault:image_safety]]",
      });
      assert.equal(blocked.candidates[0].finishMessage, undefined);
    } finally {
      process.env = saved;
    }
  });

  test("the gateway route: aliases, keep-alive comments, budget", async () => {
    const response = await gateway.models.generateContent({
      model: "nano-banana-pro",
      contents: "a gateway cat",
    });
    assert.equal(response.modelVersion, "gemini-3-pro-image");
    // The JS SDK skips the gateway's `: keep-alive` comments.
    const chunks = [];
    for await (const c of await gateway.models.generateContentStream({
      model: "nano-banana-pro",
      contents: "a gateway stream",
    })) {
      chunks.push(c);
    }
    assert.equal(chunks.length, 4);
    await rejectsWith(
      () =>
        gateway.models.generateContent({
          model: "gemini-2.5-flash-image",
          contents: unique("x [[fault:budget:1]]"),
        }),
      429,
    );
  });
});
