// The web player's sign-in: the account's name and password, as on the desktop. The server
// throttles failed attempts; its answer ("too many failed logins, wait N seconds") is shown
// as it is.
import { useState, type FormEvent } from "react";
import { Icon } from "../components/Icon";
import { describeError } from "./data";
import { useSignIn } from "./session";

export function SignIn() {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const signIn = useSignIn();

  function submit(event: FormEvent) {
    event.preventDefault();
    if (username && password) signIn.mutate({ username: username.trim(), password });
  }

  return (
    <main className="sign-in">
      <form className="sign-in__card" onSubmit={submit} aria-labelledby="sign-in-title">
        <div className="sign-in__brand" aria-hidden="true">
          <Icon name="album" size={28} /> Tonearm
        </div>
        <h1 id="sign-in-title">Sign in to your music</h1>
        <label htmlFor="sign-in-username">Username</label>
        <input
          id="sign-in-username"
          className="input"
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          value={username}
          onChange={(event) => setUsername(event.target.value)}
        />
        <label htmlFor="sign-in-password">Password</label>
        <input
          id="sign-in-password"
          className="input"
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
        {signIn.isError && (
          <p role="alert" className="error">
            {describeError(signIn.error)}
          </p>
        )}
        <button type="submit" className="button button--primary" disabled={!username || !password || signIn.isPending}>
          {signIn.isPending ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
