"use client";

import { openDB, type IDBPDatabase } from "idb";

/**
 * Ratings not yet acknowledged by the server, kept in IndexedDB so that neither a dropped
 * connection nor a closed tab loses them. One entry per item: a newer save of an item
 * replaces an older one still waiting, and each carries its own idempotency key, so a
 * resend the server already applied changes nothing.
 */
export interface PendingRating {
  itemToken: string;
  studyToken: string;
  level: "A" | "B" | "C" | "D";
  activeMs?: number;
  comment?: string;
  flags?: ("omission" | "false_finding" | "wrong_location" | "wrong_severity" | "other")[];
  idempotencyKey: string;
  savedAt: number;
}

const STORE = "pending-ratings";
let db: Promise<IDBPDatabase> | undefined;

function open() {
  db ??= openDB("blindread", 1, {
    upgrade(database) {
      database.createObjectStore(STORE, { keyPath: "itemToken" });
    },
  });
  return db;
}

export async function putPending(rating: PendingRating): Promise<void> {
  await (await open()).put(STORE, rating);
}

export async function listPending(studyToken: string): Promise<PendingRating[]> {
  const all = (await (await open()).getAll(STORE)) as PendingRating[];
  return all.filter((r) => r.studyToken === studyToken).sort((a, b) => a.savedAt - b.savedAt);
}

/** Removes an entry once the server has it, unless a newer save of the item replaced it meanwhile. */
export async function removePending(itemToken: string, idempotencyKey: string): Promise<void> {
  const database = await open();
  const tx = database.transaction(STORE, "readwrite");
  const current = (await tx.store.get(itemToken)) as PendingRating | undefined;
  if (current?.idempotencyKey === idempotencyKey) await tx.store.delete(itemToken);
  await tx.done;
}

export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}
