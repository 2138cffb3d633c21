import { chromium } from "playwright-core";
import type { Hex } from "viem";
import type { Funds } from "../../auction/funds.ts";
import { commandWorks, serviceAvailable } from "../../../tests/services.ts";
import { assertEquals, assertMatch } from "./assert.ts";
import { anvilAvailable, bidders, chainEngine, withAnvil } from "./chain_kit.ts";

const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
const ready = (await anvilAvailable()) &&
  (await serviceAvailable("chromium", () => commandWorks(CHROMIUM, ["--version"])));

Deno.test({
  name: "link page in a real browser: injected wallet connects and signs, the code links by tweet",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withAnvil([], async (node) => {
      const { engine, chain } = await chainEngine({ urls: [node.url], listen: true });
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
      try {
        const alice = bidders[0];
        const page = await browser.newPage();
        // An injected EIP-1193 wallet whose key stays in the test: the page asks, Deno signs.
        await page.exposeFunction("__wallet", async (method: string, params: unknown[]) => {
          if (method === "eth_requestAccounts") return [alice.address];
          if (method === "eth_chainId") return "0x7a69";
          if (method === "personal_sign") {
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
        await page.goto(`${engine.url}/link?handle=@alice&user=1001`);
        assertEquals(await page.inputValue("#handle"), "@alice");
        await page.click("#link");
        const text = (await page.textContent("#code", { timeout: 10_000 }))!;
        assertMatch(text, /^link [A-Z2-9]{6}$/);
        const done = await chain.link({
          tweetId: "t1",
          authorId: "1001",
          handle: "@alice",
          proof: text.split(" ")[1],
        });
        assertEquals(done.ok, true);
        assertEquals(await engine.service<Funds>("funds").walletOf("@alice"), alice.address);
      } finally {
        await browser.close();
        await engine.stop();
      }
    });
  },
});
