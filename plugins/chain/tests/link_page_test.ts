/// <reference lib="dom" />
/**
 * The link page's guided flow in headless Chromium with an injected EIP-1193
 * wallet (its key stays in the test) against a real anvil: connect, the
 * message in plain words shown before the wallet is asked to sign, the code to
 * tweet with its X intent link, the link completed by the tweet, the escrow
 * address with its QR code, and a real deposit followed live on the page
 * (seen → pending → final, with confirmations), on a phone's viewport with no
 * horizontal scroll. Hostile status queries are refused. Screenshots go to
 * data/test-artifacts/public/.
 */
import { chromium } from "playwright-core";
import { type Hex, parseEther } from "viem";
import type { Funds } from "../../auction/funds.ts";
import { commandWorks, serviceAvailable } from "../../../tests/services.ts";
import { assert, assertEquals, assertMatch } from "../../../core/testing.ts";
import {
  anvilAvailable,
  bidders,
  chainEngine,
  clientsFor,
  escrow,
  withAnvil,
} from "./chain_kit.ts";

const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
const ARTIFACTS = new URL("../../../data/test-artifacts/public/", import.meta.url).pathname;
const ready = (await anvilAvailable()) &&
  (await serviceAvailable("chromium", () => commandWorks(CHROMIUM, ["--version"])));

Deno.test({
  name:
    "link page in a real browser: connect, read the message, sign, tweet the code, deposit seen → pending → final",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // finalized = head − 2 × slots-in-an-epoch = head − 2
    await withAnvil(["--slots-in-an-epoch", "1"], async (node) => {
      const { client, test, wallet } = clientsFor(node);
      const { engine, chain } = await chainEngine({
        urls: [node.url],
        listen: true,
        config: { hostHandle: "SothebAIs" },
      });
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
      Deno.mkdirSync(ARTIFACTS, { recursive: true });
      try {
        const alice = bidders[0];
        const context = await browser.newContext({
          viewport: { width: 390, height: 844 },
          deviceScaleFactor: 2,
          isMobile: true,
          hasTouch: true,
        });
        const page = await context.newPage();
        const asked: string[] = [];
        let plainShownBeforeSign = false;
        await page.exposeFunction("__wallet", async (method: string, params: unknown[]) => {
          asked.push(method);
          if (method === "eth_requestAccounts") return [alice.address];
          if (method === "eth_chainId") return "0x7a69";
          if (method === "personal_sign") {
            plainShownBeforeSign = await page.isVisible("#plain");
            return await alice.signMessage({ message: { raw: params[0] as Hex } });
          }
          throw new Error(`unsupported ${method}`);
        });
        await page.addInitScript(() => {
          // deno-lint-ignore no-explicit-any
          const w = globalThis as any;
          w.ethereum = {
            request: ({ method, params }: { method: string; params?: unknown[] }) =>
              w.__wallet(method, params ?? []),
          };
        });
        const res = await page.goto(`${engine.url}/link?handle=@alice&user=1001`);
        assertMatch(res!.headers()["content-security-policy"], /script-src 'self'/);
        assertEquals(await page.inputValue("#handle"), "@alice");
        await page.click("#connect");

        // Step 2: the plain words, and nothing signed yet.
        await page.waitForSelector("#plain");
        const plain = (await page.textContent("#plain"))!;
        assert(
          plain.includes(
            `wallet ${alice.address.slice(0, 6)}…${
              alice.address.slice(-4)
            } belongs to the X account @alice`,
          ),
          plain,
        );
        assertMatch(plain, /sends no transaction and moves no funds/);
        assertMatch(
          (await page.textContent("#message", { timeout: 1000 }).catch(() => ""))!,
          /Link this wallet/,
        );
        assert(!asked.includes("personal_sign"), "nothing is signed before the person asks");
        await page.click("#sign");

        // Step 3: the code and its one-tap intent link.
        const text = (await page.textContent("#code", { timeout: 10_000 }))!;
        assertMatch(text, /^@SothebAIs link [A-Z2-9]{6}$/);
        assert(plainShownBeforeSign, "the plain words were on screen when the wallet was asked");
        const href = (await page.getAttribute("#tweet", "href"))!;
        assertEquals(
          new URL(href).origin + new URL(href).pathname,
          "https://x.com/intent/post",
        );
        assertEquals(new URL(href).searchParams.get("text"), text);
        await page.waitForSelector("#escrow");
        assertEquals(await page.textContent("#escrow"), escrow.account.address);
        assertEquals(await page.textContent("#link-state"), "Waiting for your tweet…");
        await page.waitForFunction(() =>
          (document.getElementById("qr") as HTMLImageElement | null)?.naturalWidth! > 0
        );

        // The tweet arrives (what the x plugin does with `link <code>`).
        const done = await chain.link({
          tweetId: "t1",
          authorId: "1001",
          handle: "@alice",
          proof: text.split(" ").at(-1)!,
        });
        assertEquals(done.ok, true);
        await page.waitForFunction(() =>
          document.getElementById("link-state")?.textContent === "Linked to @alice."
        );
        assertEquals(await engine.service<Funds>("funds").walletOf("@alice"), alice.address);

        // A real deposit, followed live.
        const hash = await wallet(alice).sendTransaction({
          to: escrow.account.address,
          value: parseEther("1.5"),
        });
        await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
        await chain.sync();
        const stage = (s: string) =>
          page.waitForFunction(
            ([h, s]) =>
              document.querySelector(`[data-tx="${h}"]`)?.getAttribute("data-stage") === s,
            [hash, s],
            { timeout: 10_000 },
          );
        await stage("seen");
        assertMatch(
          (await page.textContent(`[data-tx="${hash}"]`))!,
          /1\.5 ETH · seen: 1 of 2 confirmations/,
        );
        await page.screenshot({ path: `${ARTIFACTS}link-phone.png`, fullPage: true });
        await test.mine({ blocks: 1 });
        await chain.sync();
        await stage("pending");
        assertMatch(
          (await page.textContent(`[data-tx="${hash}"]`))!,
          /pending: credited, 2 confirmations/,
        );
        await test.mine({ blocks: 2 });
        await chain.sync();
        await stage("final");
        assertMatch((await page.textContent(`[data-tx="${hash}"]`))!, /final: 4 confirmations/);
        assertMatch((await page.textContent("#bid-tweet"))!, /^@SothebAIs bid /);
        assert(
          await page.evaluate(() =>
            document.documentElement.scrollWidth <= document.documentElement.clientWidth
          ),
          "no horizontal scroll at 390 px",
        );
        const desktop = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await desktop.goto(`${engine.url}/link?handle=@bob`);
        await desktop.screenshot({ path: `${ARTIFACTS}link-desktop.png`, fullPage: true });

        // Hostile status queries: a malformed nonce, an unknown one, an unsigned challenge's.
        for (
          const [q, code] of [["nonce=../../etc/passwd", 400], ["nonce=AAAAAAAAAAAA", 404]] as const
        ) {
          const r = await fetch(`${engine.url}/link/status?${q}`);
          assertEquals([q, r.status], [q, code]);
          await r.body?.cancel();
        }
        const unsigned = await (await fetch(`${engine.url}/link/challenge`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ address: bidders[1].address, handle: "@bob", chainId: 31337 }),
        })).json();
        const r = await fetch(`${engine.url}/link/status?nonce=${unsigned.nonce}`);
        assertEquals(r.status, 404);
        await r.body?.cancel();
      } finally {
        await browser.close();
        await engine.stop();
      }
    });
  },
});
