/** @jsxImportSource preact */
/**
 * Sign-in (name, password, then the authenticator's code or a recovery code)
 * and the setup page a one-time link opens (the token is in the link's
 * fragment, so it never reaches a server log): choose a password, scan the QR
 * code, prove it with a first code, then keep the recovery codes shown once.
 */
import { useEffect, useState } from "preact/hooks";
import { post } from "./http_api.ts";
import type { Me } from "./ui.tsx";

const value = (e: Event) => (e.target as HTMLInputElement).value;

export function Login(props: { onSignedIn(me: Me): void; notice?: string }) {
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const me = await post<Me & { recoveryLeft: number }>("/admin/api/login", {
        name,
        password,
        code,
      });
      props.onSignedIn(me);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="narrow">
      <h1>Control room</h1>
      {props.notice ? <p class="notice" id="notice">{props.notice}</p> : null}
      <form onSubmit={submit} id="login">
        <label>
          Name
          <input
            id="name"
            autocomplete="username"
            value={name}
            onInput={(e) => setName(value(e))}
          />
        </label>
        <label>
          Password
          <input
            id="password"
            type="password"
            autocomplete="current-password"
            value={password}
            onInput={(e) => setPassword(value(e))}
          />
        </label>
        <label>
          Code from your authenticator app (or a recovery code)
          <input
            id="code"
            autocomplete="one-time-code"
            inputMode="numeric"
            value={code}
            onInput={(e) => setCode(value(e))}
          />
        </label>
        <button type="submit" id="sign-in" disabled={busy || !name || !password || !code}>
          Sign in
        </button>
      </form>
      {error ? <p class="error" role="alert" id="login-error">{error}</p> : null}
    </main>
  );
}

interface SetupInfo {
  name: string;
  role: string;
  secret: string;
  uri: string;
  qrSvg: string;
}

export function Setup() {
  const token = location.hash.slice(1);
  const [info, setInfo] = useState<SetupInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const [code, setCode] = useState("");
  const [codes, setCodes] = useState<string[] | null>(null);
  useEffect(() => {
    post<SetupInfo>("/admin/api/setup/start", { token }).then(setInfo, (e) => setError(e.message));
    // Another link pasted into this tab changes only the fragment: start over with it.
    const reload = () => location.reload();
    addEventListener("hashchange", reload);
    return () => removeEventListener("hashchange", reload);
  }, [token]);
  const finish = async (e: Event) => {
    e.preventDefault();
    setError(null);
    if (password !== again) return setError("The two passwords differ.");
    try {
      const done = await post<{ recoveryCodes: string[] }>("/admin/api/setup/finish", {
        token,
        password,
        code,
      });
      setCodes(done.recoveryCodes);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  if (codes) {
    return (
      <main class="narrow">
        <h1>Done: {info?.name} is ready</h1>
        <p>
          Keep these recovery codes somewhere safe. Each signs you in once if you lose your phone;
          they are shown only now.
        </p>
        <ul class="codes" id="recovery-codes">
          {codes.map((c) => <li key={c}>{c}</li>)}
        </ul>
        <p>
          <a href="/admin/login" id="to-login">Sign in</a>
        </p>
      </main>
    );
  }
  return (
    <main class="narrow">
      <h1>Set up your account</h1>
      {error ? <p class="error" role="alert" id="setup-error">{error}</p> : null}
      {info
        ? (
          <form onSubmit={finish} id="setup">
            <p>
              Account <b id="setup-name">{info.name}</b> ({info.role}).
            </p>
            <label>
              Choose a password (12 characters or more)
              <input
                id="new-password"
                type="password"
                autocomplete="new-password"
                value={password}
                onInput={(e) => setPassword(value(e))}
              />
            </label>
            <label>
              The same again
              <input
                id="new-password-again"
                type="password"
                autocomplete="new-password"
                value={again}
                onInput={(e) => setAgain(value(e))}
              />
            </label>
            <p>Scan this with your authenticator app (or type the key below):</p>
            <img
              class="qr"
              id="qr"
              alt="TOTP QR code"
              src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(info.qrSvg)}`}
            />
            <p class="secret">
              Key: <code id="totp-secret">{info.secret}</code>
            </p>
            <label>
              The code your app shows now
              <input
                id="setup-code"
                inputMode="numeric"
                autocomplete="one-time-code"
                value={code}
                onInput={(e) => setCode(value(e))}
              />
            </label>
            <button type="submit" id="finish-setup" disabled={!password || !again || !code}>
              Finish setup
            </button>
          </form>
        )
        : null}
    </main>
  );
}
