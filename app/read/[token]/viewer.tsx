"use client";

import { decode } from "fast-png";
import { useCallback, useEffect, useRef, useState } from "react";

/** Grey samples to window: the 16-bit derivative when there is one, else the display image. */
interface Pixels {
  width: number;
  height: number;
  data: Uint8Array | Uint16Array;
  max: number;
}

interface Window {
  center: number;
  width: number;
}

interface View {
  zoom: number;
  x: number;
  y: number;
}

const FIT: View = { zoom: 1, x: 0, y: 0 };
const MIN_ZOOM = 0.25;
const MAX_ZOOM = 16;

/** Keys 5-9: contrast presets relative to the image's own default window. */
export const WINDOW_PRESETS: {
  key: string;
  label: string;
  apply: (w: Window, max: number) => Window;
}[] = [
  { key: "5", label: "default", apply: (w) => w },
  {
    key: "6",
    label: "more contrast",
    apply: (w) => ({ center: w.center, width: Math.max(2, w.width / 2) }),
  },
  { key: "7", label: "less contrast", apply: (w) => ({ center: w.center, width: w.width * 2 }) },
  {
    key: "8",
    label: "brighter",
    apply: (w) => ({ center: w.center - w.width / 4, width: w.width }),
  },
  { key: "9", label: "full range", apply: (_w, max) => ({ center: max / 2, width: max + 1 }) },
];

async function loadPixels(url: string, fallback: HTMLImageElement | null): Promise<Pixels | null> {
  try {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) throw new Error(String(response.status));
    const png = decode(new Uint8Array(await response.arrayBuffer()));
    if (png.channels !== 1 || png.depth !== 16) throw new Error("not 16-bit grey");
    return { width: png.width, height: png.height, data: png.data as Uint16Array, max: 65535 };
  } catch {
    if (!fallback) return null;
    // The display image's own pixels, read back through a canvas: 8-bit windowing.
    const canvas = document.createElement("canvas");
    canvas.width = fallback.naturalWidth;
    canvas.height = fallback.naturalHeight;
    const context = canvas.getContext("2d", { willReadFrequently: true });
    if (!context) return null;
    context.drawImage(fallback, 0, 0);
    const rgba = context.getImageData(0, 0, canvas.width, canvas.height).data;
    const grey = new Uint8Array(canvas.width * canvas.height);
    for (let i = 0; i < grey.length; i++) grey[i] = rgba[i * 4]!;
    return { width: canvas.width, height: canvas.height, data: grey, max: 255 };
  }
}

function paint(canvas: HTMLCanvasElement, pixels: Pixels, window: Window, invert: boolean) {
  canvas.width = pixels.width;
  canvas.height = pixels.height;
  const context = canvas.getContext("2d");
  if (!context) return;
  // One lookup table per window, then one pass over the image.
  const lut = new Uint8Array(pixels.max + 1);
  const low = window.center - window.width / 2;
  for (let v = 0; v <= pixels.max; v++) {
    const y = Math.round(Math.min(1, Math.max(0, (v - low) / window.width)) * 255);
    lut[v] = invert ? 255 - y : y;
  }
  const image = context.createImageData(pixels.width, pixels.height);
  const out = new Uint32Array(image.data.buffer);
  const src = pixels.data;
  for (let i = 0; i < src.length; i++) {
    const g = lut[src[i]!]!;
    out[i] = 0xff000000 | (g << 16) | (g << 8) | g;
  }
  context.putImageData(image, 0, 0);
}

/**
 * The radiograph at full resolution, fitted to the panel: wheel or +/- zoom, drag pans,
 * right-drag windows (across: width, up and down: level), 5-9 window presets, i inverts,
 * space resets. Windowing uses the 16-bit image when the case has one.
 */
export function Viewer({
  imageUrl,
  image16Url,
  window16,
  alt,
}: {
  imageUrl: string;
  image16Url: string | null;
  window16: Window | null;
  alt: string;
}) {
  const frame = useRef<HTMLDivElement>(null);
  const img = useRef<HTMLImageElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [view, setView] = useState<View>(FIT);
  const [windowing, setWindowing] = useState<Window | null>(null);
  const [invert, setInvert] = useState(false);
  const [pixels, setPixels] = useState<Pixels | null>(null);
  const drag = useRef<{ button: number; x: number; y: number; view: View; window: Window } | null>(
    null,
  );

  // A new item starts fitted, at its default window.
  useEffect(() => {
    setView(FIT);
    setWindowing(null);
    setInvert(false);
    setPixels(null);
  }, [imageUrl]);

  const defaultWindow = useCallback(
    (p: Pixels): Window =>
      p.max > 255 && window16 ? window16 : { center: p.max / 2, width: p.max + 1 },
    [window16],
  );

  const ensurePixels = useCallback(async () => {
    if (pixels) return pixels;
    const loaded = await loadPixels(image16Url ?? imageUrl, img.current);
    if (loaded) setPixels(loaded);
    return loaded;
  }, [pixels, image16Url, imageUrl]);

  const adjusting = windowing !== null || invert;
  useEffect(() => {
    if (!adjusting || !pixels || !canvas.current) return;
    const frameId = requestAnimationFrame(() =>
      paint(canvas.current!, pixels, windowing ?? defaultWindow(pixels), invert),
    );
    return () => cancelAnimationFrame(frameId);
  }, [adjusting, pixels, windowing, invert, defaultWindow]);

  const zoomBy = useCallback((factor: number, at?: { x: number; y: number }) => {
    setView((v) => {
      const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, v.zoom * factor));
      const k = zoom / v.zoom;
      // Keep the point under the cursor where it is.
      const ax = at?.x ?? 0;
      const ay = at?.y ?? 0;
      return { zoom, x: ax - (ax - v.x) * k, y: ay - (ay - v.y) * k };
    });
  }, []);

  const applyPreset = useCallback(
    async (key: string) => {
      const preset = WINDOW_PRESETS.find((p) => p.key === key);
      const p = await ensurePixels();
      if (preset && p) setWindowing(preset.apply(defaultWindow(p), p.max));
    },
    [ensurePixels, defaultWindow],
  );

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      // Typing in the comment box is not a command.
      const target = event.target;
      if (target instanceof Element && target.closest("input, textarea, select")) return;
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "+" || event.key === "=") zoomBy(1.25);
      else if (event.key === "-" || event.key === "_") zoomBy(0.8);
      else if (event.key === "i" || event.key === "I") {
        void ensurePixels();
        setInvert((v) => !v);
      } else if (event.key === " ") {
        setView(FIT);
        setWindowing(null);
        setInvert(false);
      } else if (WINDOW_PRESETS.some((p) => p.key === event.key)) void applyPreset(event.key);
      else return;
      event.preventDefault();
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [zoomBy, ensurePixels, applyPreset]);

  function centerOffset(event: { clientX: number; clientY: number }) {
    const rect = frame.current!.getBoundingClientRect();
    return {
      x: event.clientX - rect.left - rect.width / 2,
      y: event.clientY - rect.top - rect.height / 2,
    };
  }

  return (
    <div
      ref={frame}
      data-testid="viewer"
      className="relative h-full w-full touch-none overflow-hidden bg-black select-none"
      onWheel={(e) => zoomBy(e.deltaY < 0 ? 1.15 : 1 / 1.15, centerOffset(e))}
      onContextMenu={(e) => e.preventDefault()}
      onPointerDown={(e) => {
        (e.target as HTMLElement).setPointerCapture?.(e.pointerId);
        const p = pixels;
        drag.current = {
          button: e.button,
          x: e.clientX,
          y: e.clientY,
          view,
          window: windowing ?? (p ? defaultWindow(p) : { center: 128, width: 256 }),
        };
        if (e.button === 2) void ensurePixels();
      }}
      onPointerMove={(e) => {
        const d = drag.current;
        if (!d) return;
        const dx = e.clientX - d.x;
        const dy = e.clientY - d.y;
        if (d.button === 2) {
          if (!pixels) return;
          // A full sweep of the panel spans the image's whole range.
          const scale = (pixels.max + 1) / Math.max(200, frame.current!.clientWidth);
          setWindowing({
            center: d.window.center - dy * scale,
            width: Math.max(2, d.window.width + dx * scale),
          });
        } else {
          setView({ ...d.view, x: d.view.x + dx, y: d.view.y + dy });
        }
      }}
      onPointerUp={() => {
        drag.current = null;
      }}
    >
      <div
        className="absolute inset-0 flex items-center justify-center"
        style={{ transform: `translate(${view.x}px, ${view.y}px) scale(${view.zoom})` }}
      >
        {/* The display image paints at once (it was prefetched); the canvas takes over while windowing. */}
        <img
          ref={img}
          src={imageUrl}
          alt={alt}
          draggable={false}
          className={`max-h-full max-w-full object-contain ${adjusting && pixels ? "invisible absolute" : ""}`}
        />
        <canvas
          ref={canvas}
          aria-hidden
          className={`max-h-full max-w-full object-contain ${adjusting && pixels ? "" : "hidden"}`}
        />
      </div>
      <div
        data-testid="viewer-status"
        className="pointer-events-none absolute bottom-2 left-2 rounded bg-black/60 px-2 py-0.5 text-xs text-slate-300"
      >
        {Math.round(view.zoom * 100)}%
        {windowing ? ` · W ${Math.round(windowing.width)} L ${Math.round(windowing.center)}` : ""}
        {invert ? " · inverted" : ""}
        {image16Url ? " · 16-bit" : ""}
      </div>
    </div>
  );
}
