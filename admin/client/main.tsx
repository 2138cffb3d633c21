/** @jsxImportSource preact */
/**
 * The control room's shell: who is signed in, the pages (Live, Auction,
 * Campaigns, Scenes, Assets, Host, Reports, System), the banner while the engine's WebSocket is down, and sign-out. A
 * session that ends (logout elsewhere, idle timeout, account disabled) brings
 * the sign-in page back with the reason.
 */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { AssetsPage } from "./assets.tsx";
import { AuctionPage } from "./auction.tsx";
import { CampaignsPage } from "./campaigns.tsx";
import { HostPage } from "./host.tsx";
import { connect, type Connection } from "./connection.ts";
import { me as whoAmI, post } from "./http_api.ts";
import { LivePage } from "./live.tsx";
import { ReportsPage } from "./reports.tsx";
import { ScenesPage } from "./scenes.tsx";
import { Login, Setup } from "./signin.tsx";
import { SystemPage } from "./system.tsx";
import { AppContext, formatTime, type Me, useStatus } from "./ui.tsx";

const PAGES = {
  live: LivePage,
  auction: AuctionPage,
  campaigns: CampaignsPage,
  scenes: ScenesPage,
  assets: AssetsPage,
  host: HostPage,
  reports: ReportsPage,
  system: SystemPage,
} as const;
type PageName = keyof typeof PAGES;

const pageOf = (path: string): PageName => {
  const name = path.replace(/^\/admin\/?/, "") as PageName;
  return name in PAGES ? name : "live";
};

function go(path: string) {
  history.pushState(null, "", path);
  dispatchEvent(new PopStateEvent("popstate"));
}

function usePath() {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const on = () => setPath(location.pathname);
    addEventListener("popstate", on);
    return () => removeEventListener("popstate", on);
  }, []);
  return path;
}

function Banner() {
  const status = useStatus();
  if (status.kind !== "connecting") return null;
  return (
    <div class="banner" role="alert" id="disconnected">
      Not connected to the engine since {formatTime(status.since)}: reconnecting (attempt{" "}
      {status.attempt})… What this page shows may be out of date.
    </div>
  );
}

function Shell(props: { me: Me; conn: Connection; onSignedOut(why: string): void }) {
  return (
    <AppContext.Provider value={{ conn: props.conn, me: props.me }}>
      <Frame {...props} />
    </AppContext.Provider>
  );
}

function Frame(props: { me: Me; conn: Connection; onSignedOut(why: string): void }) {
  const path = usePath();
  const page = pageOf(path);
  const Page = PAGES[page];
  const status = useStatus();
  useEffect(() => {
    if (status.kind === "signed-out") props.onSignedOut(`Signed out: ${status.why}.`);
  }, [status]);
  // The user's own input keeps the session alive; data arriving on its own does not.
  useEffect(() => {
    let last = 0;
    const active = () => {
      if (Date.now() - last < 30_000) return;
      last = Date.now();
      props.conn.request("Heartbeat").catch(() => {});
    };
    addEventListener("pointerdown", active);
    addEventListener("keydown", active);
    return () => {
      removeEventListener("pointerdown", active);
      removeEventListener("keydown", active);
    };
  }, [props.conn]);
  const signOut = async () => {
    // Closed first: the server's own "signed out" close must not be told as a second reason.
    props.conn.close();
    await post("/admin/api/logout", {}, props.me.csrf).catch(() => {});
    props.onSignedOut("Signed out.");
  };
  return (
    <>
      <header class={status.kind === "identified" ? "" : "offline"}>
        <b class="brand">SothebAIs control room</b>
        <nav>
          {(Object.keys(PAGES) as PageName[]).map((p) => (
            <a
              key={p}
              id={`nav-${p}`}
              href={`/admin/${p}`}
              class={p === page ? "active" : ""}
              onClick={(e) => {
                e.preventDefault();
                go(`/admin/${p}`);
              }}
            >
              {p[0].toUpperCase() + p.slice(1)}
            </a>
          ))}
        </nav>
        <span class="who" id="who">
          {props.me.name} · {props.me.role}
        </span>
        <button type="button" id="sign-out" onClick={signOut}>Sign out</button>
      </header>
      <Banner />
      <main class={status.kind === "identified" ? "" : "stale"}>
        <Page />
      </main>
    </>
  );
}

function App() {
  const path = usePath();
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [conn, setConn] = useState<Connection | null>(null);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (path === "/admin/setup") return;
    whoAmI().then((m) => setMe(m), (e) => {
      setNotice(e.message);
      setMe(null);
    });
  }, []);
  useEffect(() => {
    if (!me) return;
    const c = connect(me.csrf);
    setConn(c);
    return () => c.close();
  }, [me]);
  if (path === "/admin/setup") return <Setup />;
  if (me === undefined) return <p class="muted">…</p>;
  if (!me || !conn) {
    return (
      <Login
        notice={notice}
        onSignedIn={(m) => {
          setNotice(undefined);
          if (pageOf(location.pathname) === "live" && !location.pathname.endsWith("/live")) {
            history.replaceState(null, "", "/admin/live");
          }
          setMe(m);
        }}
      />
    );
  }
  return (
    <Shell
      me={me}
      conn={conn}
      onSignedOut={(why) => {
        conn.close();
        setConn(null);
        setMe(null);
        setNotice(why);
      }}
    />
  );
}

render(<App />, document.getElementById("app")!);
