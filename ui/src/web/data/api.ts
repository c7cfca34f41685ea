// The web player's HTTP client: same-origin requests to `/api/v1`, the session in the
// server's HttpOnly cookie (this code never sees it), and the CSRF token the server hands
// the page sent with every change. Failures become the same `CommandFailure` the desktop's
// layer throws, so every shared component words errors the same way.
import type { CommandError } from "../../ipc/bindings";
import type { ErrorBody, WebSession } from "./wire";
import { changeQueue } from "../../lib/oneAtATime";

/** A request's failure, in the desktop's terms. */
export class CommandFailure extends Error {
  constructor(readonly error: CommandError) {
    super(error.message);
  }
}

/** The session ended (signed out elsewhere, revoked, expired): the app shows the sign-in. */
export class SignedOut extends CommandFailure {
  constructor() {
    super({ kind: "unavailable", message: "you are signed out" });
  }
}

let csrf: string | null = null;
const signedOutListeners = new Set<() => void>();

/** Called when any request finds the session gone. */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

export function setSession(session: WebSession | null) {
  csrf = session?.csrf_token ?? null;
}

function kindOf(status: number, code: string | undefined): CommandError["kind"] {
  if (status === 404 || code === "not_found") return "notFound";
  if (status === 409 || status === 429 || code === "conflict") return "busy";
  if (status >= 500 || status === 0) return status === 500 ? "internal" : "unavailable";
  return "invalid";
}

async function failure(response: Response): Promise<CommandFailure> {
  let body: ErrorBody | null = null;
  try {
    body = (await response.json()) as ErrorBody;
  } catch {
    // Not JSON: a proxy's page, say. The status alone words it.
  }
  const message = body?.error?.message ?? `the server answered ${response.status} ${response.statusText}`.trim();
  return new CommandFailure({ kind: kindOf(response.status, body?.error?.code), message });
}

/** A JSON request; resolves to the parsed body (undefined for 204). */
export async function api<T>(method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrf) headers["x-tonearm-csrf"] = csrf;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    throw new CommandFailure({ kind: "unavailable", message: "the server cannot be reached" });
  }
  if (response.status === 401 && !path.endsWith("/web/session")) {
    signedOutListeners.forEach((listener) => listener());
    throw new SignedOut();
  }
  if (!response.ok) throw await failure(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** Query text for `params`, leaving out what is unset. */
export function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== null && value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** A random UUID (op ids, entry ids, play ids), where `crypto.randomUUID` needs a secure context. */
export function uuid(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Sends a change (a rating, a love, a playlist edit) once every change made before it has been
 * answered: the browser sends requests side by side and the server answers them in any order,
 * and a rating of four stars given just after three must not land first.
 */
export const inOrder = changeQueue();
