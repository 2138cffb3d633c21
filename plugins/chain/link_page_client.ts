/**
 * The link page in the browser (Preact): connect the injected wallet, ask the
 * server for the message, sign it, and show the code to tweet. Bundled by
 * link_page.ts with esbuild. Talks to the wallet with plain EIP-1193 calls.
 */
import { h, render } from "preact";
import { useState } from "preact/hooks";

interface Eip1193 {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

const params = new URLSearchParams(location.search);

async function post(path: string, body: unknown) {
  const res = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!json.ok) throw new Error(json.message ?? json.reason ?? "refused");
  return json;
}

function toHex(text: string): string {
  return "0x" +
    [...new TextEncoder().encode(text)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function LinkPage() {
  const [handle, setHandle] = useState(params.get("handle") ?? "");
  const [status, setStatus] = useState("");
  const [code, setCode] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const link = async () => {
    setBusy(true);
    setStatus("");
    try {
      const wallet = (globalThis as { ethereum?: Eip1193 }).ethereum;
      if (!wallet) throw new Error("no wallet found in this browser");
      const [address] = await wallet.request({ method: "eth_requestAccounts" }) as string[];
      const chainId = parseInt(await wallet.request({ method: "eth_chainId" }) as string, 16);
      setStatus(`signing with ${address}…`);
      const challenge = await post("/link/challenge", {
        address,
        handle,
        xUserId: params.get("user") ?? undefined,
        chainId,
      });
      const signature = await wallet.request({
        method: "personal_sign",
        params: [toHex(challenge.message), address],
      }) as string;
      const done = await post("/link/signature", { message: challenge.message, signature });
      setCode(done.code);
      setStatus("");
    } catch (error) {
      setStatus((error as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return h(
    "main",
    { style: "font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto" },
    h("h1", null, "Link your wallet"),
    code
      ? h(
        "section",
        null,
        h("p", null, "Now tweet this from ", h("b", null, handle), ":"),
        h("p", { id: "code", style: "font-size: 2rem; font-family: monospace" }, `link ${code}`),
      )
      : h(
        "section",
        null,
        h(
          "label",
          null,
          "Your X handle ",
          h("input", {
            id: "handle",
            value: handle,
            placeholder: "@you",
            onInput: (e: Event) => setHandle((e.target as HTMLInputElement).value),
          }),
        ),
        h(
          "p",
          null,
          h(
            "button",
            { id: "link", disabled: busy || !handle, onClick: link },
            "Connect wallet and sign",
          ),
        ),
      ),
    status ? h("p", { id: "status", role: "status" }, status) : null,
  );
}

render(h(LinkPage, null), document.getElementById("app")!);
