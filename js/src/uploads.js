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
