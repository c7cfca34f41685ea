// Signing in and out of the web player. The session itself is the server's HttpOnly cookie;
// the page only learns who is signed in and the CSRF token that its changes must carry.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { api, CommandFailure, onSignedOut, setSession } from "./data/api";
import { player } from "./data";
import type { WebSession } from "./data/wire";

const sessionKey = ["web-session"] as const;

/** Who is signed in (null: nobody), asked of the server once per page load. */
export function useSession() {
  const client = useQueryClient();
  const session = useQuery({
    queryKey: sessionKey,
    queryFn: async (): Promise<WebSession | null> => {
      try {
        const current = await api<WebSession>("GET", "/api/v1/web/session");
        setSession(current);
        return current;
      } catch (error) {
        if (error instanceof CommandFailure && error.error.kind === "invalid") return null;
        throw error;
      }
    },
    staleTime: Infinity,
    retry: false,
  });
  useEffect(
    () =>
      onSignedOut(() => {
        setSession(null);
        client.setQueryData(sessionKey, null);
      }),
    [client],
  );
  return session;
}

export function useSignIn() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (login: { username: string; password: string }) => api<WebSession>("POST", "/api/v1/web/session", login),
    onSuccess: (session) => {
      setSession(session);
      client.setQueryData(sessionKey, session);
    },
  });
}

export function useSignOut() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      await player.control({ kind: "clear" });
      await api("DELETE", "/api/v1/web/session");
    },
    onSettled: () => {
      setSession(null);
      // The sign-in page first (the frame and its queries go), then the account's data.
      client.setQueryData(sessionKey, null);
      client.removeQueries({ predicate: (query) => query.queryKey[0] !== sessionKey[0] });
    },
  });
}
