import { beforeEach, describe, expect, it, vi } from "vitest";
import { createStudio, DISCONNECTED, STILL_WAITING, STILL_WAITING_MS, WAITING } from "../src/studio.js";
import { checkFile, CHUNK_BYTES, sendFile } from "../src/uploads.js";

const DEFAULTS = {
  lyrics: "", prompt: "", voice: "female", aspect: "16:9", seed: null,
  examples: [{ prompt: "lo-fi chill, male vocals", voice: "male" }, { prompt: "rock anthem" }],
  generate_cost: null, credits_short: "",
  status: "", stage: "", percent: -1, busy: false, transcript: [], tracks: [], credits: null, error: {},
  has_song: false, backend: "", voices: ["female", "male"], aspects: ["16:9", "9:16", "1:1"],
  upload_suffixes: ["mp4", "mov", "mp3", "txt"], max_upload_bytes: 200 * 1024 * 1024, max_upload_mb: 200,
};
const LIMITS = { suffixes: DEFAULTS.upload_suffixes, maxBytes: DEFAULTS.max_upload_bytes, maxMb: DEFAULTS.max_upload_mb };

class FakeModel {
  constructor(state = {}) { this.state = { ...DEFAULTS, ...state }; this.handlers = {}; this.sent = []; }
  get(key) { return this.state[key]; }
  set(key, value) { this.state[key] = value; this.emit(`change:${key}`); }
  save_changes() {}
  on(event, fn) { (this.handlers[event] ??= []).push(fn); }
  off(event, fn) { this.handlers[event] = (this.handlers[event] ?? []).filter((f) => f !== fn); }
  emit(event, ...args) { (this.handlers[event] ?? []).forEach((fn) => fn(...args)); }
  send(content, callbacks, buffers) { this.sent.push({ content, buffers }); }
  types() { return this.sent.map((m) => m.content.type); }
}

let model, el, cleanup;
beforeEach(() => {
  document.body.replaceChildren();
  model = new FakeModel();
  el = document.createElement("div");
  document.body.append(el);
  cleanup = createStudio(model, el);
  URL.createObjectURL = vi.fn(() => "blob:nemo/1");
  URL.revokeObjectURL = vi.fn();
});

describe("SongStudio front end", () => {
  it("renders the controls and asks the kernel for its state", () => {
    expect(el.querySelector("textarea[aria-label=Lyrics]")).not.toBeNull();
    expect(el.querySelector("input[aria-label=Style]")).not.toBeNull();
    expect([...el.querySelectorAll(".nemo-chip")].map((b) => b.textContent)).toEqual(["lo-fi chill, male vocals", "rock anthem"]);
    expect(el.querySelector("select[aria-label=Aspect]").value).toBe("16:9");
    expect(model.types()).toEqual(["ready"]);
  });

  it("syncs typing into traits and sends generate on click and on Ctrl+Enter", () => {
    const lyrics = el.querySelector(".nemo-lyrics");
    lyrics.value = "Hello sun\nhello sky";
    lyrics.dispatchEvent(new Event("input"));
    expect(model.get("lyrics")).toBe("Hello sun\nhello sky");
    el.querySelector(".nemo-chip").click();
    expect(model.get("prompt")).toBe("lo-fi chill, male vocals");
    el.querySelector(".nemo-generate").click();
    model.emit("msg:custom", { type: "generate_done" });
    lyrics.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", ctrlKey: true, bubbles: true }));
    model.emit("msg:custom", { type: "generate_done" });
    el.querySelector(".nemo-prompt").dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", metaKey: true, bubbles: true }));
    expect(model.types()).toEqual(["ready", "generate", "generate", "generate"]);
  });

  it("shows progress with stage and percent, and disables buttons while busy", () => {
    expect(el.querySelector(".nemo-progress").hidden).toBe(true);
    model.set("busy", true);
    model.set("stage", "Singing");
    model.set("percent", 42);
    model.set("status", "Making the song...");
    expect(el.querySelector(".nemo-progress").hidden).toBe(false);
    expect(el.querySelector(".nemo-bar").value).toBe(42);
    expect(el.querySelector(".nemo-stage").textContent).toBe("Singing 42%");
    expect(el.querySelector(".nemo-status").textContent).toBe("Making the song...");
    expect(el.querySelector(".nemo-generate").disabled).toBe(true);
    el.querySelector(".nemo-generate").click();
    expect(model.types()).toEqual(["ready"]);
  });

  it("shows errors in a banner with the action to take, and dismisses them", () => {
    model.set("error", { message: "You are out of credits.", action_label: "Register",
      action_url: "https://nemovideo.com/register?bind=u1" });
    const banner = el.querySelector(".nemo-error");
    expect(banner.hidden).toBe(false);
    expect(banner.getAttribute("role")).toBe("alert");
    expect(banner.querySelector("a").href).toBe("https://nemovideo.com/register?bind=u1");
    banner.querySelector(".nemo-dismiss").click();
    expect(banner.hidden).toBe(true);
    expect(model.types()).toContain("dismiss_error");
  });

  it("plays a preview received as bytes through a Blob URL, and offers only an export for download", () => {
    const bytes = new Uint8Array([0, 0, 0, 24, 102, 116, 121, 112]);
    model.emit("msg:custom", { type: "video", name: "summer.mp4" }, [new DataView(bytes.buffer)]);
    const video = el.querySelector("video");
    expect(video.hidden).toBe(false);
    expect(video.getAttribute("src")).toBe("blob:nemo/1");
    const blob = URL.createObjectURL.mock.calls[0][0];
    expect(blob.type).toBe("video/mp4");
    expect(blob.size).toBe(8);
    const link = el.querySelector(".nemo-download");
    expect(link.hidden).toBe(true);
    model.emit("msg:custom", { type: "download", name: "summer_nights.mp4" }, [bytes.buffer]);
    expect(link.hidden).toBe(false);
    expect(link.download).toBe("summer_nights.mp4");
    model.emit("msg:custom", { type: "video", name: "summer.mp4" }, [bytes.buffer]);
    expect(link.hidden).toBe(true); // the song changed: the old export is not offered as this one
  });

  it("shows a frame from about a second in before the preview plays, not a blank first frame", () => {
    model.emit("msg:custom", { type: "video", name: "summer.mp4" }, [new Uint8Array([1]).buffer]);
    const video = el.querySelector("video");
    Object.defineProperty(video, "duration", { value: 26 });
    let position = 0;
    Object.defineProperty(video, "currentTime", { get: () => position, set: (value) => { position = value; } });
    video.dispatchEvent(new Event("loadedmetadata"));
    expect(position).toBe(1);
  });

  it("renders the transcript and the tracks table", () => {
    model.set("transcript", [{ role: "user", text: "make it slower" }, { role: "assistant", text: "Done." }]);
    expect([...el.querySelectorAll(".nemo-turn")].map((t) => t.className)).toEqual(["nemo-turn nemo-user", "nemo-turn nemo-assistant"]);
    model.set("tracks", [{ track: 1, type: "audio", name: "Song", start_s: 0, end_s: 25.9, volume: 0.35, text: "", source: "song.wav" }]);
    const cells = [...el.querySelectorAll(".nemo-tracks tbody td")].map((td) => td.textContent);
    expect(cells).toEqual(["1", "audio", "Song", "0.0 s", "25.9 s", "35%", "", "song.wav"]);
  });

  it("sends a refinement and clears the box", () => {
    const input = el.querySelector(".nemo-refine-input");
    input.value = "make it 9:16";
    el.querySelector(".nemo-refine").dispatchEvent(new Event("submit", { cancelable: true }));
    expect(model.sent.at(-1).content).toEqual({ type: "refine", text: "make it 9:16" });
    expect(input.value).toBe("");
  });

  it("offers the voices, aspects and upload limits the kernel sends, keeping no copy of its own", () => {
    document.body.replaceChildren();
    const other = new FakeModel({ voices: ["male"], aspects: ["1:1", "9:16"], aspect: "1:1",
      upload_suffixes: ["wav"], max_upload_bytes: 10, max_upload_mb: 1 });
    const root = document.createElement("div");
    createStudio(other, root);
    const options = (label) => [...root.querySelectorAll(`select[aria-label=${label}] option`)].map((o) => [o.value, o.textContent]);
    expect(options("Voice")).toEqual([["male", "Male voice"]]);
    expect(options("Aspect")).toEqual([["1:1", "1:1 Square"], ["9:16", "9:16 TikTok, Reels"]]);
    expect(root.querySelector("input[type=file]").getAttribute("accept")).toBe(".wav");
    const input = root.querySelector("input[type=file]");
    Object.defineProperty(input, "files", { value: [new File(["x".repeat(11)], "long.wav")] });
    input.dispatchEvent(new Event("change"));
    expect(root.querySelector(".nemo-error").textContent).toMatch(/the limit is 1 MB/);
  });

  it("shows server text as text and links only to http(s) pages", () => {
    model.set("error", { message: "<img src=x onerror=alert(1)>", action_label: "Open", action_url: "javascript:alert(1)" });
    const banner = el.querySelector(".nemo-error");
    expect(banner.querySelector("img")).toBeNull();
    expect(banner.textContent).toContain("<img src=x onerror=alert(1)>");
    expect(banner.querySelector("a")).toBeNull();
    model.set("transcript", [{ role: "assistant", text: "<script>alert(1)</script>" }]);
    expect(el.querySelector(".nemo-transcript script")).toBeNull();
  });

  it("keeps the backend's address behind a details toggle", () => {
    model.set("backend", "embedded backend http://127.0.0.1:5000 (session s1)");
    const details = el.querySelector("details.nemo-details");
    expect(details.open).toBe(false);
    expect(details.textContent).toContain("session s1");
    expect(el.querySelector(".nemo-header > .nemo-backend")).toBeNull();
  });

  it("stops listening when the view is removed", () => {
    cleanup();
    model.set("status", "changed after removal");
    expect(el.querySelector(".nemo-status").textContent).toBe("");
  });
});

describe("uploads", () => {
  it("refuses unsupported types and files over 200 MB before sending", () => {
    expect(checkFile(new File(["x"], "notes.pdf"), LIMITS)).toMatch(/cannot be used/);
    const big = new File(["x"], "big.mp4");
    Object.defineProperty(big, "size", { value: 201 * 1024 * 1024 });
    expect(checkFile(big, LIMITS)).toMatch(/limit is 200 MB/);
    expect(checkFile(new File(["abc"], "clip.MP4"), LIMITS)).toBeNull();
  });

  it("sends a file in acknowledged chunks and shows progress", async () => {
    const file = new File([new Uint8Array(CHUNK_BYTES + 10)], "clip.mp4");
    const input = el.querySelector("input[type=file]");
    Object.defineProperty(input, "files", { value: [file] });
    input.dispatchEvent(new Event("change"));
    for (let i = 0; i < 2; i++) {
      await vi.waitFor(() => expect(model.types().filter((t) => t === "upload_chunk").length).toBe(i + 1));
      const { content } = model.sent.at(-1);
      model.emit("msg:custom", { type: "upload_ack", id: content.id });
    }
    const chunks = model.sent.filter((m) => m.content.type === "upload_chunk");
    expect(chunks.map((m) => [m.content.offset, m.content.last, m.buffers[0].byteLength]))
      .toEqual([[0, false, CHUNK_BYTES], [CHUNK_BYTES, true, 10]]);
    await vi.waitFor(() => expect(el.querySelector(".nemo-upload-status").textContent).toMatch(/100%/));
  });

  it("stops sending when the kernel refuses a chunk, and says why", async () => {
    const file = new File([new Uint8Array(2 * CHUNK_BYTES + 10)], "clip.mp4");
    const input = el.querySelector("input[type=file]");
    Object.defineProperty(input, "files", { value: [file] });
    input.dispatchEvent(new Event("change"));
    await vi.waitFor(() => expect(model.types().filter((t) => t === "upload_chunk").length).toBe(1));
    const { content } = model.sent.at(-1);
    model.emit("msg:custom", { type: "upload_ack", id: content.id, ok: false, error: "clip.mp4: a chunk came out of order." });
    await vi.waitFor(() => expect(el.querySelector(".nemo-error").textContent).toMatch(/out of order/));
    expect(model.types().filter((t) => t === "upload_chunk").length).toBe(1);
  });

  it("gives up on an upload the kernel does not acknowledge in time", async () => {
    const sent = [];
    const silentModel = { send: (content) => sent.push(content) };
    const file = new File([new Uint8Array(CHUNK_BYTES + 10)], "clip.mp4");
    const never = () => new Promise(() => {});
    await expect(sendFile(silentModel, file, "u9", never, () => {}, 20)).rejects.toThrow(/did not answer/);
    expect(sent.length).toBe(1);
  });

  it("shows a banner instead of sending a bad file", () => {
    const input = el.querySelector("input[type=file]");
    Object.defineProperty(input, "files", { value: [new File(["x"], "virus.exe")] });
    input.dispatchEvent(new Event("change"));
    expect(el.querySelector(".nemo-error").hidden).toBe(false);
    expect(model.types()).toEqual(["ready"]);
  });
});

describe("keys inside the studio", () => {
  const press = (target, init) => {
    const event = new KeyboardEvent("keydown", { bubbles: true, cancelable: true, ...init });
    target.dispatchEvent(event);
    return event;
  };

  it("never reach the notebook around it (JupyterLab would run cells or swallow Enter)", () => {
    const seen = [];
    for (const type of ["keydown", "keyup", "keypress"]) document.addEventListener(type, (e) => seen.push(e.type));
    for (const selector of [".nemo-lyrics", ".nemo-prompt", ".nemo-refine-input", ".nemo-seed"]) {
      for (const type of ["keydown", "keyup", "keypress"]) {
        el.querySelector(selector).dispatchEvent(new KeyboardEvent(type, { key: "Enter", shiftKey: true, bubbles: true }));
      }
    }
    expect(seen).toEqual([]);
    el.querySelector(".nemo-lyrics").dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(seen).toEqual(["keydown"]); // Escape leaves the studio for the notebook's command mode
    expect(el.hasAttribute("data-lm-suppress-shortcuts")).toBe(true); // Notebook 7's shortcuts skip the studio
  });

  it("Enter makes a new line in the lyrics and sends in the chat; Shift+Enter in the chat does not send", () => {
    expect(press(el.querySelector(".nemo-lyrics"), { key: "Enter" }).defaultPrevented).toBe(false);
    expect(model.types()).toEqual(["ready"]);
    const chat = el.querySelector(".nemo-refine-input");
    chat.value = "make it 1:1";
    press(chat, { key: "Enter", shiftKey: true });
    expect(model.types()).toEqual(["ready"]);
    expect(press(chat, { key: "Enter" }).defaultPrevented).toBe(true);
    expect(model.sent.at(-1).content).toEqual({ type: "refine", text: "make it 1:1" });
    chat.value = "slower";
    press(chat, { key: "Enter", ctrlKey: true });
    expect(model.sent.at(-1).content).toEqual({ type: "refine", text: "slower" });
    expect(model.types()).not.toContain("generate");
  });
});

describe("immediate feedback", () => {
  it("says it waits for the kernel and disables Generate at once; more clicks are ignored until it answers", () => {
    const button = el.querySelector(".nemo-generate");
    button.click();
    expect(el.querySelector(".nemo-status").textContent).toBe(WAITING);
    expect(button.disabled).toBe(true);
    button.click();
    el.querySelector(".nemo-lyrics").dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", ctrlKey: true, bubbles: true }));
    expect(model.types()).toEqual(["ready", "generate"]);
    model.set("busy", true);
    model.set("status", "Making the song...");
    expect(el.querySelector(".nemo-status").textContent).toBe("Making the song...");
    model.set("busy", false);
    expect(button.disabled).toBe(true); // the request is not over until the kernel says so
    model.emit("msg:custom", { type: "generate_done" });
    expect(button.disabled).toBe(false);
    button.click();
    expect(model.types()).toEqual(["ready", "generate", "generate"]);
  });

  it("explains a long wait: the kernel is running another cell", () => {
    vi.useFakeTimers();
    try {
      document.body.replaceChildren();
      const other = new FakeModel();
      const root = document.createElement("div");
      createStudio(other, root);
      root.querySelector(".nemo-generate").click();
      vi.advanceTimersByTime(STILL_WAITING_MS + 10);
      expect(root.querySelector(".nemo-status").textContent).toBe(STILL_WAITING);
    } finally {
      vi.useRealTimers();
    }
  });

  it("says so and how to recover when the kernel restarts or the connection is lost", () => {
    el.querySelector(".nemo-generate").click();
    model.emit("comm:close");
    expect(el.querySelector(".nemo-status").textContent).toBe("Disconnected.");
    const banner = el.querySelector(".nemo-error");
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toContain(DISCONNECTED);
    expect(banner.textContent).toMatch(/Re-run this cell/);
    expect(banner.textContent).toMatch(/session\.resume\(\)/);
    model.emit("msg:custom", { type: "generate_done" });
    expect(el.querySelector(".nemo-generate").disabled).toBe(true);

    document.body.replaceChildren();
    const listeners = [];
    const kernel = { statusChanged: { connect: (fn) => listeners.push(fn), disconnect: vi.fn() } };
    const other = new FakeModel();
    other.widget_manager = { kernel };
    const root = document.createElement("div");
    const dispose = createStudio(other, root);
    listeners.forEach((fn) => fn(kernel, "busy"));
    expect(root.querySelector(".nemo-error").hidden).toBe(true);
    listeners.forEach((fn) => fn(kernel, "restarting"));
    expect(root.querySelector(".nemo-error").textContent).toContain(DISCONNECTED);
    dispose();
    expect(kernel.statusChanged.disconnect).toHaveBeenCalled();
  });
});

describe("one truth: the controls show the traits", () => {
  it("updates every control when the kernel changes its trait (an uploaded .txt, a chat edit, Python code)", () => {
    model.set("lyrics", "Loaded from words.txt\nsecond line");
    model.set("prompt", "a folk song");
    model.set("voice", "male");
    model.set("aspect", "1:1");
    model.set("seed", 7);
    expect(el.querySelector(".nemo-lyrics").value).toBe("Loaded from words.txt\nsecond line");
    expect(el.querySelector(".nemo-prompt").value).toBe("a folk song");
    expect(el.querySelector("select[aria-label=Voice]").value).toBe("male");
    expect(el.querySelector("select[aria-label=Aspect]").value).toBe("1:1");
    expect(el.querySelector(".nemo-seed").value).toBe("7");
    model.set("seed", null);
    expect(el.querySelector(".nemo-seed").value).toBe("");
  });

  it("a chip sets the style and the controls it names, and shows itself selected", () => {
    const [male, rock] = el.querySelectorAll(".nemo-chip");
    expect([male, rock].map((c) => c.getAttribute("aria-pressed"))).toEqual(["false", "false"]);
    male.click();
    expect([model.get("prompt"), model.get("voice")]).toEqual(["lo-fi chill, male vocals", "male"]);
    expect(el.querySelector("select[aria-label=Voice]").value).toBe("male");
    expect([male, rock].map((c) => c.getAttribute("aria-pressed"))).toEqual(["true", "false"]);
    expect(male.classList.contains("nemo-selected")).toBe(true);
    model.set("voice", "female"); // the user picked another voice: the chip no longer describes the request
    expect(male.getAttribute("aria-pressed")).toBe("false");
    rock.click();
    expect([male, rock].map((c) => c.getAttribute("aria-pressed"))).toEqual(["false", "true"]);
  });
});

describe("credits in sight", () => {
  it("puts the price on Generate and says what is missing before trying", () => {
    const button = el.querySelector(".nemo-generate");
    expect(button.textContent).toBe("Generate");
    model.set("generate_cost", 20);
    expect(button.textContent).toBe("Generate · 20 credits");
    model.set("credits_short", "A new song costs 20 credits and you have 10. Add credits with nemo-song credits --add 100.");
    button.click();
    expect(model.types()).toEqual(["ready"]);
    const banner = el.querySelector(".nemo-error");
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toContain("costs 20 credits and you have 10");
    expect(banner.previousElementSibling).toBe(el.querySelector(".nemo-controls"));
  });
});

describe("errors next to the action", () => {
  it("shows a chat turn's error by the chat box and scrolls it into view", () => {
    const scrolled = vi.fn();
    Element.prototype.scrollIntoView = scrolled;
    try {
      const chat = el.querySelector(".nemo-refine-input");
      chat.value = "make it 1:1";
      el.querySelector(".nemo-refine").dispatchEvent(new Event("submit", { cancelable: true }));
      model.set("error", { message: "The backend stopped." });
      const banner = el.querySelector(".nemo-error");
      expect(banner.previousElementSibling).toBe(el.querySelector(".nemo-refine"));
      expect(scrolled).toHaveBeenCalled();
    } finally {
      delete Element.prototype.scrollIntoView;
    }
  });
});
