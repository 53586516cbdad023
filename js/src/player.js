// The video arrives as bytes in the widget's binary buffers; the browser never reaches the backend.

const POSTER_SECONDS = 1; // the preview shows the frame ~1 s in instead of a blank first frame

export function bytesOf(buffer) {
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  throw new TypeError("video buffer is not binary");
}

const mp4Url = (buffer) => URL.createObjectURL(new Blob([bytesOf(buffer)], { type: "video/mp4" }));

// The preview plays in `video`; only an exported file is offered through `downloadLink`.
export class Player {
  constructor(video, downloadLink) {
    this.video = video;
    this.link = downloadLink;
    this.url = null;
    this.exportUrl = null;
    video.addEventListener("loadedmetadata", () => {
      if (video.paused && video.currentTime === 0) video.currentTime = Math.min(POSTER_SECONDS, video.duration / 2 || 0);
    });
  }

  // A new preview: the song changed, so an earlier export no longer matches it and its link goes.
  show(buffer) {
    this.release();
    this.url = mp4Url(buffer);
    this.video.src = this.url;
    this.video.hidden = false;
  }

  offer(buffer, name) {
    this.releaseExport();
    this.exportUrl = mp4Url(buffer);
    this.link.href = this.exportUrl;
    this.link.download = name || "song.mp4";
    this.link.hidden = false;
  }

  releaseExport() {
    if (this.exportUrl) URL.revokeObjectURL(this.exportUrl);
    this.exportUrl = null;
    this.link.hidden = true;
    this.link.removeAttribute("href");
  }

  release() {
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = null;
    this.releaseExport();
  }
}

// Save bytes as a file through a temporary link (the Export button's download).
export function saveBytes(buffer, name) {
  const url = mp4Url(buffer);
  const link = document.createElement("a");
  link.href = url;
  link.download = name || "song.mp4";
  link.style.display = "none";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
