// The optional camera: a few still pictures of the face, taken in the browser, sent with the
// submission, analysed and deleted on the server. Nothing here keeps or uploads video.

export const CAMERA_DENIED =
  "Moodify can’t use your camera because access was blocked, so we’ll use your voice only. To allow it, " +
  "click the camera or padlock icon in your browser’s address bar and choose “Allow”.";

export function cameraErrorMessage(err) {
  switch (err && err.name) {
    case "NotAllowedError":
    case "PermissionDeniedError":
    case "SecurityError":
      return CAMERA_DENIED;
    case "NotFoundError":
    case "DevicesNotFoundError":
    case "OverconstrainedError":
      return "We couldn’t find a camera, so we’ll use your voice only.";
    default:
      return "We couldn’t start your camera (another app may be using it), so we’ll use your voice only.";
  }
}

// Open the camera into `video` (a small preview the person can see). Throws getUserMedia's error.
export async function openCamera(video) {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    const err = new Error("no camera API");
    err.name = "NotFoundError";
    throw err;
  }
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
  video.srcObject = stream;
  video.muted = true;
  await video.play().catch(() => {});
  return stream;
}

export function closeCamera(stream, video) {
  if (stream) stream.getTracks().forEach((t) => t.stop());
  if (video) video.srcObject = null;
}

// One JPEG still of what the camera shows now (null until the video has a frame).
export function takeFrame(video) {
  const w = video.videoWidth, h = video.videoHeight;
  if (!w || !h) return Promise.resolve(null);
  const canvas = document.createElement("canvas");
  const scale = Math.min(1, 640 / Math.max(w, h));
  canvas.width = Math.round(w * scale);
  canvas.height = Math.round(h * scale);
  canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
}

// `count` frames, `gapMs` apart, once the video has started.
export async function takeFrames(video, count, gapMs) {
  const frames = [];
  for (let i = 0; i < 40 && !video.videoWidth; i++) await new Promise((r) => setTimeout(r, 50));
  while (frames.length < count) {
    const blob = await takeFrame(video);
    if (blob) frames.push(blob);
    if (frames.length < count) await new Promise((r) => setTimeout(r, gapMs));
  }
  return frames;
}
