/**
 * The link page in the browser (Preact), a guided flow in four steps:
 * 1. connect the injected wallet (plain EIP-1193 calls) and say which X account;
 * 2. read what will be signed, in plain words, before the wallet asks (the
 *    full SIWE text one tap away), then sign: it costs nothing and moves no funds;
 * 3. tweet the code (a one-tap X intent link), the page waits for the tweet;
 * 4. deposit to the escrow (address, copy, QR code) and watch each deposit go
 *    seen → pending → final with its confirmations; then what to tweet to bid.
 * Bundled by link_page.ts with esbuild. Every fact comes from the server.
 */
import { type ComponentChildren, h, render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { refusalText } from "./link_refusal.ts";

interface Eip1193 {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}
interface Challenge {
  nonce: string;
  message: string;
  expiresAt: string;
}
interface Status {
  linked: boolean;
  escrow: string;
  chainId: number;
  confirmationsNeeded: number;
  head: string | null;
  deposits: Array<{
    txHash: string;
    amountWei: string;
    stage: string;
    confirmations: number | null;
  }>;
}

const params = new URLSearchParams(location.search);
const root = document.getElementById("app")!;
const HOST = root.dataset.host ?? "";
const CHAIN = Number(root.dataset.chain);

async function post(path: string, body: unknown) {
  const res = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = await res.json().catch(() => null);
  if (json?.ok !== true) throw new Error(refusalText(res.status, json));
  return json;
}

function toHex(text: string): string {
  return "0x" +
    [...new TextEncoder().encode(text)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function eth(wei: string): string {
  const s = BigInt(wei).toString().padStart(19, "0");
  const frac = s.slice(-18).replace(/0+$/, "");
  return `${s.slice(0, -18)}${frac ? "." + frac : ""} ETH`;
}

const short = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`;
const wallet = () => (globalThis as { ethereum?: Eip1193 }).ethereum;
const intent = (text: string) => `https://x.com/intent/post?text=${encodeURIComponent(text)}`;

function stageText(d: Status["deposits"][number], needed: number): string {
  if (d.stage === "seen") {
    return `seen: ${d.confirmations ?? "?"} of ${needed} confirmations`;
  }
  if (d.stage === "pending") {
    return `pending: credited, ${d.confirmations ?? "?"} confirmations, waiting to be final`;
  }
  if (d.stage === "final") return `final: ${d.confirmations ?? "?"} confirmations`;
  return d.stage;
}

function Step(
  p: { n: number; title: string; state: "done" | "now" | "todo"; children?: ComponentChildren },
) {
  return h(
    "section",
    { class: `card step ${p.state}`, id: `step-${p.n}` },
    h("h2", null, `${p.n}. ${p.title}`),
    p.state === "todo" ? null : p.children,
  );
}

/** The first step: the handle, and the wallet connected. */
function connectStep(
  p: {
    challenge: Challenge | null;
    address: string | null;
    handle: string;
    setHandle(h: string): void;
    busy: boolean;
    connect(): void;
  },
) {
  const { challenge, address, handle, setHandle, busy, connect } = p;
  return h(
    Step,
    { n: 1, title: "Connect your wallet", state: challenge ? "done" : "now" },
    challenge
      ? h(
        "p",
        null,
        "Wallet ",
        h("span", { class: "addr", id: "address" }, address),
        ` for ${handle}`,
      )
      : h(
        "div",
        null,
        h(
          "p",
          null,
          h("label", { for: "handle" }, "Your X handle"),
          h("br", null),
          h("input", {
            id: "handle",
            value: handle,
            placeholder: "@you",
            autocomplete: "username",
            onInput: (e: Event) => setHandle((e.target as HTMLInputElement).value),
          }),
        ),
        h(
          "button",
          { class: "button", id: "connect", disabled: busy || !handle, onClick: connect },
          "Connect wallet",
        ),
      ),
  );
}

/** The second: what signing means, in plain words, and the exact message. */
function signStep(
  p: {
    challenge: Challenge | null;
    code: string | null;
    address: string | null;
    handle: string;
    expires: string;
    busy: boolean;
    sign(): void;
  },
) {
  const { challenge, code, address, handle, expires, busy, sign } = p;
  return h(
    Step,
    {
      n: 2,
      title: "Sign in with your wallet",
      state: code ? "done" : challenge ? "now" : "todo",
    },
    challenge && !code
      ? h(
        "div",
        null,
        h(
          "div",
          { class: "plain", id: "plain" },
          h(
            "p",
            null,
            "You are asked to sign a message saying that wallet ",
            h("b", null, short(address!)),
            " belongs to the X account ",
            h("b", null, handle),
            ` for SothebAIs auctions on chain ${CHAIN}.`,
          ),
          h(
            "p",
            null,
            "Signing is free: it sends no transaction and moves no funds. It can be used once, until ",
            expires,
            ".",
          ),
        ),
        h(
          "details",
          null,
          h("summary", null, "The exact text your wallet will show"),
          h("pre", { id: "message" }, challenge.message),
        ),
        h("button", { class: "button", id: "sign", disabled: busy, onClick: sign }, "Sign"),
      )
      : code
      ? h("p", null, "Signed.")
      : null,
  );
}

/** The third: the code to tweet, and whether the link is seen. */
function tweetStep(p: { code: string | null; linked: boolean; handle: string; tweet: string }) {
  const { code, linked, handle, tweet } = p;
  return h(
    Step,
    { n: 3, title: "Tweet your code", state: linked ? "done" : code ? "now" : "todo" },
    code
      ? h(
        "div",
        null,
        h(
          "p",
          null,
          "Post this from ",
          h("b", null, handle),
          " (it proves the X account is yours):",
        ),
        h("p", { class: "code", id: "code" }, tweet),
        h(
          "p",
          { class: "row" },
          h(
            "a",
            {
              class: "button",
              id: "tweet",
              href: intent(tweet),
              target: "_blank",
              rel: "noreferrer",
            },
            "Post it on X",
          ),
          h(
            "span",
            { class: "dim", id: "link-state" },
            linked ? `Linked to ${handle}.` : "Waiting for your tweet…",
          ),
        ),
      )
      : null,
  );
}

/** The fourth: where to deposit, the deposits seen, and how to bid. */
function depositStep(p: { code: string | null; status: Status | null; address: string | null }) {
  const { code, status, address } = p;
  return h(
    Step,
    { n: 4, title: "Deposit ETH into escrow", state: code ? "now" : "todo" },
    status
      ? h(
        "div",
        null,
        h(
          "p",
          null,
          `Send ETH on chain ${status.chainId} from `,
          h("span", { class: "addr" }, short(address!)),
          " (the linked wallet) to:",
        ),
        h("p", { class: "addr", id: "escrow" }, status.escrow),
        h(
          "p",
          { class: "row" },
          h("img", {
            class: "qr",
            id: "qr",
            src: "/link/escrow.svg",
            alt: "QR code of the escrow address",
          }),
          h(
            "button",
            {
              class: "button",
              onClick: () => navigator.clipboard?.writeText(status.escrow),
            },
            "Copy address",
          ),
        ),
        h(
          "p",
          { class: "dim" },
          `A deposit counts once ${status.confirmationsNeeded} blocks confirm it.`,
        ),
        status.deposits.length
          ? h(
            "ul",
            { class: "deposits", id: "deposits" },
            status.deposits.map((d) =>
              h(
                "li",
                { key: d.txHash, "data-tx": d.txHash, "data-stage": d.stage },
                h("b", null, eth(d.amountWei)),
                " · ",
                h(
                  "span",
                  { class: `stage ${d.stage}` },
                  stageText(d, status.confirmationsNeeded),
                ),
                h("br", null),
                h("span", { class: "addr dim" }, d.txHash),
              )
            ),
          )
          : h("p", { id: "deposits-none", class: "dim" }, "No deposit from this wallet yet."),
        h("h2", null, "Then bid"),
        h(
          "p",
          null,
          "Tweet ",
          h("span", { class: "code", id: "bid-tweet" }, `${HOST} bid 1 ETH`),
          " with the amount you bid. See the lot on the block and the least next bid on ",
          h("a", { href: "/" }, "the live page"),
          ".",
        ),
      )
      : code
      ? h("p", { class: "dim" }, "Loading…")
      : null,
  );
}

function LinkPage() {
  const [handle, setHandle] = useState(params.get("handle") ?? "");
  const [address, setAddress] = useState<string | null>(null);
  const [challenge, setChallenge] = useState<Challenge | null>(null);
  const [code, setCode] = useState<string | null>(null);
  const [status, setStatus] = useState<Status | null>(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  const run = (work: () => Promise<void>) => async () => {
    setBusy(true);
    setError("");
    try {
      await work();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const connect = run(async () => {
    const w = wallet();
    if (!w) {
      throw new Error("No wallet found in this browser: open this page in a wallet's browser.");
    }
    const [account] = await w.request({ method: "eth_requestAccounts" }) as string[];
    const chainId = parseInt(await w.request({ method: "eth_chainId" }) as string, 16);
    const c = await post("/link/challenge", {
      address: account,
      handle,
      xUserId: params.get("user") ?? undefined,
      chainId,
    });
    setAddress(account);
    setChallenge(c);
  });

  const sign = run(async () => {
    const signature = await wallet()!.request({
      method: "personal_sign",
      params: [toHex(challenge!.message), address],
    }) as string;
    const done = await post("/link/signature", { message: challenge!.message, signature });
    setCode(done.code);
  });

  // After signing: the link and the deposits, every 2 s.
  useEffect(() => {
    if (!code || !challenge) return;
    let stop = false;
    const poll = async () => {
      try {
        const res = await fetch(`/link/status?nonce=${encodeURIComponent(challenge.nonce)}`);
        if (res.ok && !stop) setStatus(await res.json());
      } catch { /* the next poll tries again */ }
      if (!stop) setTimeout(poll, 2000);
    };
    poll();
    return () => (stop = true);
  }, [code, challenge]);

  const linked = !!status?.linked;
  const tweet = code ? `${HOST} link ${code}` : "";
  const expires = challenge ? new Date(challenge.expiresAt).toLocaleTimeString() : "";
  return h(
    "div",
    null,
    h("h1", null, "Link your wallet"),
    h(
      "p",
      { class: "dim" },
      "Bids are tweets; the ETH behind them sits in escrow. Link a wallet to your X account once, deposit, then bid by tweeting.",
    ),
    connectStep({ challenge, address, handle, setHandle, busy, connect }),
    signStep({ challenge, code, address, handle, expires, busy, sign }),
    tweetStep({ code, linked, handle, tweet }),
    depositStep({ code, status, address }),
    error ? h("p", { id: "status", role: "status", class: "error" }, error) : null,
  );
}

root.textContent = ""; // the no-script notice
render(h(LinkPage, null), root);
