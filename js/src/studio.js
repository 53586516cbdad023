// SongStudio's front end: lyrics and style in, progress and chat while the kernel works, the video out.
import { h } from "./dom.js";
import { Player, saveBytes } from "./player.js";
import { checkFile, sendFile } from "./uploads.js";

// Display labels only: which voices and aspects exist comes from the kernel (the `voices` and `aspects` traits).
const VOICE_LABELS = { female: "Female voice", male: "Male voice" };
const ASPECT_LABELS = { "16:9": "16:9 YouTube", "9:16": "9:16 TikTok, Reels", "1:1": "1:1 Square" };
const labelled = (values, labels) => values.map((v) => [v, labels[v] ?? v]);
const SAFE_LINK = /^https?:\/\//i;
const TRACK_COLUMNS = [["track", "#"], ["type", "Type"], ["name", "Name"], ["start_s", "Start"], ["end_s", "End"],
  ["volume", "Volume"], ["text", "Text"], ["source", "Source"]];

function select(label, options, value, onchange) {
  const el = h("select", { "aria-label": label, onchange },
    options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)));
  return h("label", { class: "nemo-field" }, h("span", {}, label), el);
}

function cell(key, value) {
  if (value === null || value === undefined || value === "") return "";
  if (key === "volume") return `${Math.round(value * 100)}%`;
  if (key.endsWith("_s")) return `${Number(value).toFixed(1)} s`;
  return String(value);
}

export function createStudio(model, el) {
  const disposers = [];
  const listen = (event, fn) => { model.on(event, fn); disposers.push(() => model.off(event, fn)); };
  const set = (name, value) => { model.set(name, value); model.save_changes(); };

  const lyrics = h("textarea", { class: "nemo-lyrics", rows: 6, "aria-label": "Lyrics",
    placeholder: "Type or paste lyrics: one line per sung line, [Chorus] tags optional" });
  lyrics.value = model.get("lyrics");
  lyrics.addEventListener("input", () => set("lyrics", lyrics.value));
  lyrics.addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) generate(); });

  const prompt = h("input", { class: "nemo-prompt", type: "text", "aria-label": "Style",
    placeholder: "an upbeat pop song with vocals" });
  prompt.value = model.get("prompt");
  prompt.addEventListener("input", () => set("prompt", prompt.value));
  const examples = h("div", { class: "nemo-examples", role: "group", "aria-label": "Example styles" },
    model.get("examples").map((text) => h("button", { type: "button", class: "nemo-chip",
      onclick: () => { prompt.value = text; set("prompt", text); } }, text)));

  const seed = h("input", { class: "nemo-seed", type: "number", min: 0, step: 1, "aria-label": "Seed", placeholder: "any" });
  seed.value = model.get("seed") ?? "";
  seed.addEventListener("change", () => set("seed", seed.value === "" ? null : Math.max(0, Math.floor(Number(seed.value)))));

  const generateButton = h("button", { type: "button", class: "nemo-primary nemo-generate", onclick: () => generate() }, "Generate");
  const status = h("div", { class: "nemo-status", role: "status", "aria-live": "polite" });
  const bar = h("progress", { class: "nemo-bar", max: 100, "aria-label": "Progress" });
  const stage = h("span", { class: "nemo-stage" });
  const progress = h("div", { class: "nemo-progress" }, bar, stage);

  const banner = h("div", { class: "nemo-error", role: "alert", hidden: true });
  const video = h("video", { class: "nemo-player", controls: true, playsinline: true, preload: "metadata", hidden: true });
  const download = h("a", { class: "nemo-button nemo-download", hidden: true }, "Download");
  const player = new Player(video, download);
  const exportButton = h("button", { type: "button", class: "nemo-export", onclick: () => send({ type: "export" }) }, "Export MP4");

  const transcript = h("div", { class: "nemo-transcript", role: "log", "aria-label": "Session transcript", tabindex: 0 });
  const refineInput = h("input", { type: "text", class: "nemo-refine-input", "aria-label": "Refine the song",
    placeholder: "Refine: slower, make it 9:16, add the title Summer Nights" });
  const refine = h("form", { class: "nemo-refine", onsubmit: (e) => {
    e.preventDefault();
    const text = refineInput.value.trim();
    if (!text || model.get("busy")) return;
    send({ type: "refine", text });
    refineInput.value = "";
  } }, refineInput, h("button", { type: "submit" }, "Send"));

  const limits = { suffixes: model.get("upload_suffixes"), maxBytes: model.get("max_upload_bytes"), maxMb: model.get("max_upload_mb") };
  const fileInput = h("input", { type: "file", multiple: true, hidden: true, accept: limits.suffixes.map((e) => `.${e}`).join(",") });
  const uploadStatus = h("span", { class: "nemo-upload-status", role: "status" });
  const drop = h("div", { class: "nemo-drop", tabindex: 0, role: "button", "aria-label": "Upload files: click or drop them here" },
    "Drop a video, image or song here, or ", h("button", { type: "button", onclick: () => fileInput.click() }, "Upload…"), uploadStatus);
  fileInput.addEventListener("change", () => { upload([...fileInput.files]); fileInput.value = ""; });
  drop.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); fileInput.click(); } });
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("nemo-drag"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("nemo-drag"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("nemo-drag"); upload([...(e.dataTransfer?.files ?? [])]); });

  const table = h("table", { class: "nemo-tracks", "aria-label": "Tracks" });
  const credits = h("span", { class: "nemo-credits", title: "Credits left" });
  const backend = h("span", { class: "nemo-backend" });

  el.classList.add("nemo-studio");
  el.append(
    h("div", { class: "nemo-header" }, h("strong", {}, "Nemo Song Studio"), backend, credits),
    banner,
    h("label", { class: "nemo-field nemo-wide" }, h("span", {}, "Lyrics"), lyrics),
    h("label", { class: "nemo-field nemo-wide" }, h("span", {}, "Style"), prompt),
    examples,
    h("div", { class: "nemo-controls" },
      select("Voice", labelled(model.get("voices"), VOICE_LABELS), model.get("voice"), (e) => set("voice", e.target.value)),
      select("Aspect", labelled(model.get("aspects"), ASPECT_LABELS), model.get("aspect"), (e) => set("aspect", e.target.value)),
      h("label", { class: "nemo-field" }, h("span", {}, "Seed"), seed),
      generateButton),
    status, progress,
    video,
    h("div", { class: "nemo-actions" }, exportButton, download),
    transcript, refine, drop, fileInput, table,
  );

  function send(content, buffers) { model.send(content, undefined, buffers); }
  function generate() { if (!model.get("busy")) send({ type: "generate" }); }

  const acks = new Map();
  function waitAck(id) { return new Promise((resolve) => acks.set(id, resolve)); }
  async function upload(files) {
    const problems = files.map((file) => checkFile(file, limits)).filter(Boolean);
    if (problems.length) { showError({ message: problems.join(" ") }); return; }
    for (const file of files) {
      const id = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
      await sendFile(model, file, id, waitAck, (sent, total) => {
        uploadStatus.textContent = ` Sending ${file.name}: ${Math.round((100 * sent) / total)}%`;
      });
    }
  }

  function showError(error) {
    banner.replaceChildren();
    if (!error || !error.message) { banner.hidden = true; return; }
    banner.append(h("span", {}, error.message));
    if (error.action_url && SAFE_LINK.test(error.action_url)) {
      banner.append(" ", h("a", { href: error.action_url, target: "_blank", rel: "noopener" }, error.action_label || "Open"));
    }
    banner.append(h("button", { type: "button", class: "nemo-dismiss", "aria-label": "Dismiss",
      onclick: () => { banner.hidden = true; send({ type: "dismiss_error" }); } }, "×"));
    banner.hidden = false;
  }

  function renderStatus() {
    const busy = model.get("busy");
    status.textContent = model.get("status");
    generateButton.disabled = busy;
    exportButton.disabled = busy || !model.get("has_song");
    refine.querySelector("button").disabled = busy;
    el.classList.toggle("nemo-busy", busy);
  }
  function renderProgress() {
    const percent = model.get("percent");
    progress.hidden = percent < 0;
    if (percent >= 0) bar.value = percent;
    stage.textContent = percent >= 0 ? `${model.get("stage")} ${Math.round(percent)}%` : "";
  }
  function renderTranscript() {
    transcript.replaceChildren(...model.get("transcript").map((entry) =>
      h("div", { class: `nemo-turn nemo-${entry.role}` }, h("span", { class: "nemo-who" }, entry.role === "user" ? "You" : "Nemo"), entry.text)));
    transcript.hidden = transcript.childElementCount === 0;
    transcript.scrollTop = transcript.scrollHeight;
  }
  function renderTracks() {
    const rows = model.get("tracks");
    table.replaceChildren();
    table.hidden = rows.length === 0;
    if (!rows.length) return;
    table.append(h("thead", {}, h("tr", {}, TRACK_COLUMNS.map(([, label]) => h("th", { scope: "col" }, label)))),
      h("tbody", {}, rows.map((row) => h("tr", {}, TRACK_COLUMNS.map(([key]) => h("td", {}, cell(key, row[key])))))));
  }
  function renderCredits() {
    const value = model.get("credits");
    credits.textContent = value === null ? "" : `${value} credits`;
    backend.textContent = model.get("backend");
  }

  listen("change:status", renderStatus);
  listen("change:busy", renderStatus);
  listen("change:has_song", renderStatus);
  listen("change:percent", renderProgress);
  listen("change:stage", renderProgress);
  listen("change:transcript", renderTranscript);
  listen("change:tracks", renderTracks);
  listen("change:credits", renderCredits);
  listen("change:backend", renderCredits);
  listen("change:error", () => showError(model.get("error")));
  listen("msg:custom", (msg, buffers) => {
    if (msg.type === "video" && buffers?.length) player.show(buffers[0], msg.name);
    else if (msg.type === "download" && buffers?.length) saveBytes(buffers[0], msg.name);
    else if (msg.type === "upload_ack") { acks.get(msg.id)?.(); acks.delete(msg.id); }
    else if (msg.type === "upload_done") uploadStatus.textContent = ` ${msg.text}`;
  });

  renderStatus(); renderProgress(); renderTranscript(); renderTracks(); renderCredits(); showError(model.get("error"));
  send({ type: "ready" });
  return () => { disposers.forEach((dispose) => dispose()); player.release(); };
}

export default { render: ({ model, el }) => createStudio(model, el) };
