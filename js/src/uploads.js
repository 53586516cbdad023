// Uploads: checked in the browser (type and size) before a byte is sent, then sent in chunks the kernel acknowledges.
// The accepted endings and the size limit come from the kernel (the widget's traits), which has them from the protocol.

export const CHUNK_BYTES = 4 * 1024 * 1024;

// `limits`: { suffixes: ["mp4", ...], maxBytes, maxMb } as the widget's traits give them.
export function checkFile(file, limits) {
  const ext = (file.name.split(".").pop() || "").toLowerCase();
  if (!file.name.includes(".") || !limits.suffixes.includes(ext)) {
    return `${file.name}: this type cannot be used. Supported: ${limits.suffixes.join(", ")}.`;
  }
  if (file.size > limits.maxBytes) {
    return `${file.name} is ${(file.size / 1048576).toFixed(0)} MB: the limit is ${limits.maxMb} MB. Compress or trim it first.`;
  }
  if (file.size === 0) return `${file.name} is empty.`;
  return null;
}

export const ACK_TIMEOUT_MS = 30000;

// Send one file chunk by chunk; `waitAck(id)` resolves with the kernel's acknowledgement of the chunk:
// `{ ok: false, error }` stops the upload (nothing more is sent), and so does a kernel that stays silent
// for ACK_TIMEOUT_MS (busy with another cell, or gone).
export async function sendFile(model, file, id, waitAck, onProgress, timeoutMs = ACK_TIMEOUT_MS) {
  let offset = 0;
  do {
    const slice = file.slice(offset, offset + CHUNK_BYTES);
    const buffer = await slice.arrayBuffer();
    const last = offset + buffer.byteLength >= file.size;
    const acked = waitAck(id);
    model.send({ type: "upload_chunk", id, name: file.name, size: file.size, offset, last }, undefined, [buffer]);
    let timer;
    const silent = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(
        `${file.name}: the kernel did not answer for ${Math.round(timeoutMs / 1000)} s (busy with another cell, or ` +
        "restarted), so the upload stopped. Try again when it is idle.")), timeoutMs);
    });
    const ack = await Promise.race([acked, silent]).finally(() => clearTimeout(timer));
    if (ack && ack.ok === false) throw new Error(ack.error || `${file.name}: the kernel refused the upload.`);
    offset += buffer.byteLength;
    onProgress(offset, file.size);
  } while (offset < file.size);
}
