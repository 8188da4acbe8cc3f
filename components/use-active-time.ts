"use client";

import { useCallback, useEffect, useRef } from "react";

/** Input older than this means the reader has stepped away; that time is not counted. */
const IDLE_AFTER_MS = 30_000;
const TICK_MS = 1_000;

/**
 * Active time per key (an item), summed over visits within this page session: counted only
 * while the page is visible and the reader has touched mouse or keyboard recently.
 */
export function useActiveTime(key: string | undefined) {
  const totals = useRef(new Map<string, number>());
  const lastInput = useRef(Date.now());
  const lastTick = useRef(Date.now());

  useEffect(() => {
    const onInput = () => {
      lastInput.current = Date.now();
    };
    const events = ["keydown", "pointerdown", "pointermove", "wheel"] as const;
    for (const e of events) window.addEventListener(e, onInput, { passive: true });
    return () => {
      for (const e of events) window.removeEventListener(e, onInput);
    };
  }, []);

  useEffect(() => {
    if (!key) return;
    lastTick.current = Date.now();
    lastInput.current = Date.now();
    const timer = setInterval(() => {
      const now = Date.now();
      const isActive =
        document.visibilityState === "visible" && now - lastInput.current < IDLE_AFTER_MS;
      if (isActive)
        totals.current.set(key, (totals.current.get(key) ?? 0) + (now - lastTick.current));
      lastTick.current = now;
    }, TICK_MS);
    return () => clearInterval(timer);
  }, [key]);

  return useCallback(
    (k: string) =>
      Math.round(
        (totals.current.get(k) ?? 0) +
          (k === key ? Math.min(Date.now() - lastTick.current, TICK_MS) : 0),
      ),
    [key],
  );
}
