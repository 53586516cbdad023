// The video arrives as bytes in the widget's binary buffers; the browser never reaches the backend.

export function bytesOf(buffer) {
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  throw new TypeError("video buffer is not binary");
}

export class Player {
  constructor(video, downloadLink) {
    this.video = video;
    this.link = downloadLink;
    this.url = null;
  }

  show(buffer, name) {
    this.release();
    this.url = URL.createObjectURL(new Blob([bytesOf(buffer)], { type: "video/mp4" }));
    this.video.src = this.url;
    this.video.hidden = false;
    this.link.href = this.url;
    this.link.download = name || "song.mp4";
    this.link.hidden = false;
  }

  release() {
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = null;
  }
}

// Save bytes as a file through a temporary link (the Export button's download).
export function saveBytes(buffer, name) {
  const url = URL.createObjectURL(new Blob([bytesOf(buffer)], { type: "video/mp4" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name || "song.mp4";
  link.style.display = "none";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
