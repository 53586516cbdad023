// Uploads: checked in the browser (type and size) before a byte is sent, then sent in chunks the kernel acknowledges.

export const MAX_BYTES = 200 * 1024 * 1024;
export const CHUNK_BYTES = 4 * 1024 * 1024;
export const EXTENSIONS = ["mp4", "mov", "avi", "webm", "mkv", "jpg", "jpeg", "png", "gif", "webp", "mp3", "wav", "m4a", "aac", "txt"];

export function checkFile(file) {
  const ext = (file.name.split(".").pop() || "").toLowerCase();
  if (!file.name.includes(".") || !EXTENSIONS.includes(ext)) {
    return `${file.name}: this type cannot be used. Supported: ${EXTENSIONS.join(", ")}.`;
  }
  if (file.size > MAX_BYTES) {
    return `${file.name} is ${(file.size / 1048576).toFixed(0)} MB: the limit is 200 MB. Compress or trim it first.`;
  }
  if (file.size === 0) return `${file.name} is empty.`;
  return null;
}

// Send one file chunk by chunk; `waitAck(id)` resolves when the kernel has stored the chunk.
export async function sendFile(model, file, id, waitAck, onProgress) {
  let offset = 0;
  do {
    const slice = file.slice(offset, offset + CHUNK_BYTES);
    const buffer = await slice.arrayBuffer();
    const last = offset + buffer.byteLength >= file.size;
    const acked = waitAck(id);
    model.send({ type: "upload_chunk", id, name: file.name, size: file.size, offset, last }, undefined, [buffer]);
    await acked;
    offset += buffer.byteLength;
    onProgress(offset, file.size);
  } while (offset < file.size);
}
