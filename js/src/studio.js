// SongStudio's front end: lyrics and style in, progress and chat while the kernel works, the video out.
// Every input trait is bound both ways: what the controls show is what the kernel will use.
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
const KEY_EVENTS = ["keydown", "keyup", "keypress"];
export const WAITING = "Waiting for the kernel...";
export const STILL_WAITING_MS = 15_000;
export const STILL_WAITING = "Still waiting for the kernel: it is running another cell, and the song starts when that "
  + "cell ends. If the kernel was restarted, re-run this cell.";
export const DISCONNECTED = "The kernel was restarted or the connection to it was lost, so this studio no longer "
  + "works. Re-run this cell for a new studio: songs made so far stay in the session, and `session.resume()` "
  + "finishes an export that was running.";
const LOST_KERNEL = new Set(["restarting", "autorestarting", "dead"]);

function select(label, options, value, onchange) {
  const el = h("select", { "aria-label": label, onchange },
    options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)));
  return [h("label", { class: "nemo-field" }, h("span", {}, label), el), el];
}

function cell(key, value) {
  if (value === null || value === undefined || value === "") return "";
  if (key === "volume") return `${Math.round(value * 100)}%`;
  if (key.endsWith("_s")) return `${Number(value).toFixed(1)} s`;
  return String(value);
}

const seedText = (value) => (value === null || value === undefined ? "" : String(value));

export function createStudio(model, el) {
  const disposers = [];
  const listen = (event, fn) => { model.on(event, fn); disposers.push(() => model.off(event, fn)); };
  const set = (name, value) => { model.set(name, value); model.save_changes(); };
  let waiting = false; // a Generate request is on its way to the kernel or running there
  let waitingText = ""; // what the studio says until the kernel answers
  let waitTimer = null;
  let disconnected = false;

  const lyrics = h("textarea", { class: "nemo-lyrics", rows: 6, "aria-label": "Lyrics",
    placeholder: "Type or paste lyrics: one line per sung line, [Chorus] tags optional" });
  lyrics.value = model.get("lyrics");
  lyrics.addEventListener("input", () => set("lyrics", lyrics.value));

  const prompt = h("input", { class: "nemo-prompt", type: "text", "aria-label": "Style",
    placeholder: "an upbeat pop song with vocals" });
  prompt.value = model.get("prompt");
  prompt.addEventListener("input", () => set("prompt", prompt.value));
  // a chip is a whole request: its style, and the voice or aspect it names, set on the controls
  const chips = model.get("examples").map((example) => h("button", { type: "button", class: "nemo-chip",
    "aria-pressed": "false", onclick: () => {
      for (const name of ["prompt", "voice", "aspect"]) if (example[name] !== undefined) model.set(name, example[name]);
      model.save_changes();
    } }, example.prompt));
  const examples = h("div", { class: "nemo-examples", role: "group", "aria-label": "Example styles" }, chips);

  const seed = h("input", { class: "nemo-seed", type: "number", min: 0, step: 1, "aria-label": "Seed", placeholder: "any" });
  seed.value = seedText(model.get("seed"));
  seed.addEventListener("change", () => set("seed", seed.value === "" ? null : Math.max(0, Math.floor(Number(seed.value)))));

  const [voiceField, voice] = select("Voice", labelled(model.get("voices"), VOICE_LABELS), model.get("voice"),
    (e) => set("voice", e.target.value));
  const [aspectField, aspect] = select("Aspect", labelled(model.get("aspects"), ASPECT_LABELS), model.get("aspect"),
    (e) => set("aspect", e.target.value));

  const generateButton = h("button", { type: "button", class: "nemo-primary nemo-generate",
    title: "Generate (Ctrl+Enter)", onclick: () => generate() }, "Generate");
  const controls = h("div", { class: "nemo-controls" }, voiceField, aspectField,
    h("label", { class: "nemo-field" }, h("span", {}, "Seed"), seed), generateButton);
  const status = h("div", { class: "nemo-status", role: "status", "aria-live": "polite" });
  const bar = h("progress", { class: "nemo-bar", max: 100, "aria-label": "Progress" });
  const stage = h("span", { class: "nemo-stage" });
  const progress = h("div", { class: "nemo-progress" }, bar, stage);

  const banner = h("div", { class: "nemo-error", role: "alert", hidden: true });
  const video = h("video", { class: "nemo-player", controls: true, playsinline: true, preload: "metadata", hidden: true });
  const download = h("a", { class: "nemo-button nemo-download", hidden: true }, "Download");
  const player = new Player(video, download);
  const exportButton = h("button", { type: "button", class: "nemo-export",
    onclick: () => act(actions, { type: "export" }) }, "Export MP4");
  const actions = h("div", { class: "nemo-actions" }, exportButton, download);

  const transcript = h("div", { class: "nemo-transcript", role: "log", "aria-label": "Session transcript", tabindex: 0 });
  const refineInput = h("input", { type: "text", class: "nemo-refine-input", "aria-label": "Refine the song",
    placeholder: "Refine: slower, make it 9:16, add the title Summer Nights" });
  const sendButton = h("button", { type: "submit", class: "nemo-send" }, "Send");
  const refine = h("form", { class: "nemo-refine", onsubmit: (e) => { e.preventDefault(); sendRefinement(); } },
    refineInput, sendButton);
  refineInput.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); sendRefinement(); }
  });

  const limits = { suffixes: model.get("upload_suffixes"), maxBytes: model.get("max_upload_bytes"), maxMb: model.get("max_upload_mb") };
  const fileInput = h("input", { type: "file", multiple: true, hidden: true, accept: limits.suffixes.map((e) => `.${e}`).join(",") });
  const uploadStatus = h("span", { class: "nemo-upload-status", role: "status" });
  const drop = h("div", { class: "nemo-drop", tabindex: 0, role: "button", "aria-label": "Upload files: click or drop them here" },
    "Drop a video, image, song or lyrics here, or ", h("button", { type: "button", onclick: () => fileInput.click() }, "Upload…"), uploadStatus);
  fileInput.addEventListener("change", () => { upload([...fileInput.files]); fileInput.value = ""; });
  drop.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); fileInput.click(); } });
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("nemo-drag"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("nemo-drag"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("nemo-drag"); upload([...(e.dataTransfer?.files ?? [])]); });

  const table = h("table", { class: "nemo-tracks", "aria-label": "Tracks" });
  const tableBox = h("div", { class: "nemo-table-box" }, table);
  const credits = h("span", { class: "nemo-credits", title: "Credits left" });
  const backend = h("span", { class: "nemo-backend" });

  el.classList.add("nemo-studio");
  el.append(
    h("div", { class: "nemo-header" }, h("strong", {}, "Nemo Song Studio"), credits,
      h("details", { class: "nemo-details" }, h("summary", {}, "details"), backend)),
    h("label", { class: "nemo-field nemo-wide" }, h("span", {}, "Lyrics"), lyrics),
    h("label", { class: "nemo-field nemo-wide" }, h("span", {}, "Style"), prompt),
    examples, controls, banner,
    status, progress,
    video, actions,
    transcript, refine, drop, fileInput, tableBox,
  );

  // JupyterLab handles keys for the whole page (Enter, Shift+Enter run cells): keys typed in the studio stay here,
  // as in ipywidgets' own text boxes, except Escape, which leaves the studio for the notebook's command mode.
  // Ctrl/Cmd+Enter generates, or sends from the chat box. Notebook 7 sees keys on the way down (capture phase),
  // before any handler here: the attribute tells its shortcuts (Shift+Enter runs the cell) to leave them alone.
  el.setAttribute("data-lm-suppress-shortcuts", "true");
  const keep = (e) => {
    if (e.type === "keydown" && e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      if (e.target === refineInput) sendRefinement();
      else generate();
    }
    if (e.key !== "Escape") e.stopPropagation();
  };
  KEY_EVENTS.forEach((type) => el.addEventListener(type, keep));
  disposers.push(() => KEY_EVENTS.forEach((type) => el.removeEventListener(type, keep)));

  function send(content, buffers) { model.send(content, undefined, buffers); }
  // an action's error shows next to the control that started it
  let errorAnchor = controls;
  function act(anchor, content) {
    if (disconnected) return;
    errorAnchor = anchor;
    send(content);
  }

  function generate() {
    if (waiting || model.get("busy") || disconnected) return;
    errorAnchor = controls;
    const short = model.get("credits_short"); // the kernel's sentence when the balance is below a song's price
    if (short) { showError({ message: short }); return; }
    waiting = true;
    waitingText = WAITING;
    clearTimeout(waitTimer);
    waitTimer = setTimeout(() => { if (waiting && !model.get("busy")) { waitingText = STILL_WAITING; renderStatus(); } },
      STILL_WAITING_MS);
    showError(null);
    renderStatus();
    send({ type: "generate" });
  }

  function finishGenerate() {
    waiting = false;
    waitingText = "";
    clearTimeout(waitTimer);
    renderStatus();
  }

  function sendRefinement() {
    const text = refineInput.value.trim();
    if (!text || model.get("busy") || waiting || disconnected) return;
    act(refine, { type: "refine", text });
    refineInput.value = "";
  }

  const acks = new Map();
  function waitAck(id) { return new Promise((resolve) => acks.set(id, resolve)); }
  async function upload(files) {
    errorAnchor = drop;
    const problems = files.map((file) => checkFile(file, limits)).filter(Boolean);
    if (problems.length) { showError({ message: problems.join(" ") }); return; }
    for (const file of files) {
      const id = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
      try {
        await sendFile(model, file, id, waitAck, (sent, total) => {
          uploadStatus.textContent = ` Sending ${file.name}: ${Math.round((100 * sent) / total)}%`;
        });
      } catch (error) {
        acks.delete(id);
        uploadStatus.textContent = "";
        showError({ message: error.message });
        return;
      }
    }
  }

  function showError(error) {
    banner.replaceChildren();
    if (!error || !error.message) { banner.hidden = true; return; }
    banner.append(h("span", {}, error.message));
    if (error.action_url && SAFE_LINK.test(error.action_url)) {
      banner.append(" ", h("a", { href: error.action_url, target: "_blank", rel: "noopener" }, error.action_label || "Open"));
    }
    if (!disconnected) {
      banner.append(h("button", { type: "button", class: "nemo-dismiss", "aria-label": "Dismiss",
        onclick: () => { banner.hidden = true; send({ type: "dismiss_error" }); } }, "×"));
    }
    errorAnchor.after(banner);
    banner.hidden = false;
    banner.scrollIntoView?.({ block: "nearest" });
  }

  function loseKernel() {
    if (disconnected) return;
    disconnected = true;
    waiting = false;
    clearTimeout(waitTimer);
    el.classList.add("nemo-disconnected");
    renderStatus();
    showError({ message: DISCONNECTED });
  }

  function renderStatus() {
    const busy = model.get("busy");
    const blocked = busy || waiting || disconnected;
    status.textContent = disconnected ? "Disconnected." : (waitingText || model.get("status"));
    generateButton.disabled = blocked;
    exportButton.disabled = blocked || !model.get("has_song");
    sendButton.disabled = blocked;
    el.classList.toggle("nemo-busy", busy || waiting);
  }
  function renderGenerate() {
    const cost = model.get("generate_cost");
    generateButton.textContent = cost === null ? "Generate" : `Generate · ${cost} credits`;
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
    tableBox.hidden = rows.length === 0;
    if (!rows.length) return;
    table.append(h("thead", {}, h("tr", {}, TRACK_COLUMNS.map(([, label]) => h("th", { scope: "col" }, label)))),
      h("tbody", {}, rows.map((row) => h("tr", {}, TRACK_COLUMNS.map(([key]) => h("td", {}, cell(key, row[key])))))));
  }
  function renderCredits() {
    const value = model.get("credits");
    credits.textContent = value === null ? "" : `${value} credits`;
    credits.hidden = value === null;
    backend.textContent = model.get("backend");
  }
  function renderChips() {
    model.get("examples").forEach((example, i) => {
      const on = ["prompt", "voice", "aspect"].every((name) => example[name] === undefined || example[name] === model.get(name));
      chips[i].setAttribute("aria-pressed", String(on));
      chips[i].classList.toggle("nemo-selected", on);
    });
  }
  // the kernel's value shown in a control; a control being typed into keeps its caret (the value is the same)
  function bind(name, control, text = (value) => value) {
    listen(`change:${name}`, () => {
      const value = text(model.get(name));
      if (control.value !== value) control.value = value;
      renderChips();
    });
  }

  bind("lyrics", lyrics);
  bind("prompt", prompt);
  bind("voice", voice);
  bind("aspect", aspect);
  bind("seed", seed, seedText);
  listen("change:status", () => { waitingText = ""; renderStatus(); });
  listen("change:busy", () => { waitingText = ""; renderStatus(); });
  listen("change:has_song", renderStatus);
  listen("change:generate_cost", renderGenerate);
  listen("change:percent", renderProgress);
  listen("change:stage", renderProgress);
  listen("change:transcript", renderTranscript);
  listen("change:tracks", renderTracks);
  listen("change:credits", renderCredits);
  listen("change:backend", renderCredits);
  listen("change:error", () => showError(model.get("error")));
  listen("comm:close", loseKernel);
  listen("comm_live_update", () => { if (el.closest(".jupyter-widgets-disconnected")) loseKernel(); });
  listen("msg:custom", (msg, buffers) => {
    if (msg.type === "video" && buffers?.length) player.show(buffers[0]);
    else if (msg.type === "download" && buffers?.length) { player.offer(buffers[0], msg.name); saveBytes(buffers[0], msg.name); }
    else if (msg.type === "generate_done") finishGenerate();
    else if (msg.type === "upload_ack") { acks.get(msg.id)?.(msg); acks.delete(msg.id); }
    else if (msg.type === "upload_done") uploadStatus.textContent = ` ${msg.text}`;
  });
  // JupyterLab and Notebook 7 tell the widget manager when its kernel restarts or dies
  const kernel = model.widget_manager?.kernel;
  const onKernel = (_, state) => { if (LOST_KERNEL.has(state)) loseKernel(); };
  if (kernel?.statusChanged?.connect) {
    kernel.statusChanged.connect(onKernel);
    disposers.push(() => kernel.statusChanged.disconnect(onKernel));
  }

  renderStatus(); renderGenerate(); renderProgress(); renderTranscript(); renderTracks(); renderCredits(); renderChips();
  showError(model.get("error"));
  send({ type: "ready" });
  return () => { disposers.forEach((dispose) => dispose()); clearTimeout(waitTimer); player.release(); };
}

export default { render: ({ model, el }) => createStudio(model, el) };
