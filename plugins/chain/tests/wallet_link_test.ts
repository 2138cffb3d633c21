import { assert, assertEquals, assertMatch, assertRejects } from "../../../core/testing.ts";
import { privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { virtualClock } from "../../../core/clock.ts";
import type { Funds } from "../../auction/funds.ts";
import {
  anvilAvailable,
  bidders,
  chainEngine,
  linkWallet,
  postJson,
  withAnvil,
} from "./chain_kit.ts";
import { forgetChallenges } from "../wallet_link.ts";

const ready = await anvilAvailable();

Deno.test({
  name: "wallet links: page + code tweet, full-proof tweet, refusals with reasons, audited relink",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await withAnvil([], async (node) => {
      const clock = virtualClock(Temporal.Instant.from("2026-11-25T17:00:00Z"));
      const { engine, chain } = await chainEngine({ urls: [node.url], clock });
      try {
        const linked: unknown[] = [];
        const refused: { reason: string }[] = [];
        engine.bus.on("wallet.linked", (e) => void linked.push(e.payload));
        engine.bus.on(
          "wallet.link-refused",
          (e) => void refused.push(e.payload as { reason: string }),
        );
        const [alice, bob, carol] = bidders;
        const funds = engine.service<Funds>("funds");

        await t.step("page + `link <code>` tweet links the wallet", async () => {
          const challenge = await postJson(engine, "/link/challenge", {
            address: alice.address,
            handle: "@Alice",
            xUserId: "1001",
            chainId: 31337,
          });
          assert(challenge.ok);
          assertMatch(challenge.message, /auction\.test wants you to sign in/);
          assertMatch(challenge.message, /Chain ID: 31337/);
          assertMatch(challenge.message, /Request ID: x-user:1001/);
          assertMatch(challenge.message, /Expiration Time: /);
          const signature = await alice.signMessage({ message: challenge.message });
          const signed = await postJson(engine, "/link/signature", {
            message: challenge.message,
            signature,
          });
          assert(signed.ok, signed.message);
          assertMatch(signed.code, /^[A-Z2-9]{6}$/);

          const replay = await postJson(engine, "/link/signature", {
            message: challenge.message,
            signature,
          });
          assertEquals(replay.reason, "replayed");

          const wrongAccount = await chain.link({
            tweetId: "t0",
            authorId: "666",
            handle: "@alice",
            proof: signed.code,
          });
          assert(!wrongAccount.ok);
          assertEquals(wrongAccount.reason, "wrong-account");

          engine.bus.emit("wallet.link-requested", {
            tweetId: "t1",
            authorId: "1001",
            handle: "@alice",
            proof: signed.code.toLowerCase(),
          });
          for (let i = 0; i < 50 && linked.length === 0; i++) {
            await new Promise((r) => setTimeout(r, 20));
          }
          assertEquals(linked, [{
            handle: "@alice",
            xUserId: "1001",
            address: alice.address,
            tweetId: "t1",
          }]);
          assertEquals(await funds.walletOf("@ALICE"), alice.address);
          // The link is account 1001's: another account under the handle @alice has none.
          assertEquals(await funds.walletOf("@alice", "1001"), alice.address);
          assertEquals(await funds.walletOf("@alice", "2002"), null);
          assertEquals(await funds.balanceOf("@alice", "2002"), 0n);

          const again = await chain.link({
            tweetId: "t2",
            authorId: "1001",
            handle: "@alice",
            proof: signed.code,
          });
          assert(!again.ok);
          assertEquals(again.reason, "replayed");
        });

        await t.step("a tweet with the full proof (nonce + signature) links too", async () => {
          const challenge = await postJson(engine, "/link/challenge", {
            address: bob.address,
            handle: "@bob",
            xUserId: "1002",
          });
          const signature = await bob.signMessage({ message: challenge.message });
          const done = await chain.link({
            tweetId: "t3",
            authorId: "1002",
            handle: "@bob",
            proof: `${challenge.nonce}.${signature}`,
          });
          assert(done.ok);
          assertEquals(await funds.walletOf("@bob"), bob.address);
          const replay = await chain.link({
            tweetId: "t4",
            authorId: "1002",
            handle: "@bob",
            proof: `${challenge.nonce}.${signature}`,
          });
          assert(!replay.ok);
          assertEquals(replay.reason, "replayed");
        });

        await t.step(
          "a wallet already linked to one X account is refused for another",
          async () => {
            const challenge = await postJson(engine, "/link/challenge", {
              address: bob.address,
              handle: "@bobby",
              xUserId: "2002",
            });
            const signature = await bob.signMessage({ message: challenge.message });
            const done = await chain.link({
              tweetId: "t4b",
              authorId: "2002",
              handle: "@bobby",
              proof: `${challenge.nonce}.${signature}`,
            });
            assertEquals(done.ok ? "" : done.reason, "wallet-in-use");
            assertEquals(await funds.walletOf("@bobby"), null);
          },
        );

        await t.step("wrong chain, wrong signer, bad signature, unknown nonce", async () => {
          const onMainnet = await postJson(engine, "/link/challenge", {
            address: carol.address,
            handle: "@carol",
            chainId: 1,
          });
          assertEquals(onMainnet.reason, "wrong-chain");

          const challenge = await postJson(engine, "/link/challenge", {
            address: carol.address,
            handle: "@carol",
          });
          // A message rewritten for another chain, signed by the right key.
          const forged = challenge.message.replace("Chain ID: 31337", "Chain ID: 1");
          const forgedSig = await carol.signMessage({ message: forged });
          assertEquals(
            (await postJson(engine, "/link/signature", { message: forged, signature: forgedSig }))
              .reason,
            "wrong-chain",
          );
          // Signed by someone else.
          const mallory = privateKeyToAccount(`0x${"11".repeat(32)}`);
          const otherSig = await mallory.signMessage({ message: challenge.message });
          const wrongSigner = await postJson(engine, "/link/signature", {
            message: challenge.message,
            signature: otherSig,
          });
          assertEquals(wrongSigner.reason, "wrong-account");
          assertMatch(wrongSigner.message, new RegExp(mallory.address));
          // A nonce the server never issued.
          const invented = createSiweMessage({
            domain: "auction.test",
            address: carol.address,
            chainId: 31337,
            nonce: "inventednonce123",
            uri: "https://auction.test/link",
            version: "1",
          });
          const inventedSig = await carol.signMessage({ message: invented });
          assertEquals(
            (await postJson(engine, "/link/signature", {
              message: invented,
              signature: inventedSig,
            })).reason,
            "unknown-nonce",
          );
          // Still usable by its owner afterwards: refusals do not consume the nonce.
          const good = await postJson(engine, "/link/signature", {
            message: challenge.message,
            signature: await carol.signMessage({ message: challenge.message }),
          });
          assert(good.ok);
          // The code must be tweeted by the handle it was issued for.
          const byOther = await chain.link({
            tweetId: "t5",
            authorId: "77",
            handle: "@dave",
            proof: good.code,
          });
          assertEquals(byOther.ok ? "" : byOther.reason, "wrong-account");
          assertEquals(
            (await chain.link({ tweetId: "t6", authorId: "77", handle: "@carol", proof: "ZZZZZZ" }))
              .ok,
            false,
          );
        });

        await t.step("an expired challenge or code is refused", async () => {
          const challenge = await postJson(engine, "/link/challenge", {
            address: carol.address,
            handle: "@carol",
          });
          const signature = await carol.signMessage({ message: challenge.message });
          const signed = await postJson(engine, "/link/signature", {
            message: challenge.message,
            signature,
          });
          const late = await postJson(engine, "/link/challenge", {
            address: carol.address,
            handle: "@carol",
          });
          const lateSig = await carol.signMessage({ message: late.message });
          await clock.advance(16 * 60_000);
          assertEquals(
            (await postJson(engine, "/link/signature", {
              message: late.message,
              signature: lateSig,
            })).reason,
            "expired",
          );
          const code = await chain.link({
            tweetId: "t7",
            authorId: "1003",
            handle: "@carol",
            proof: signed.code,
          });
          assertEquals(code.ok ? "" : code.reason, "expired");
        });

        await t.step("relinking moves the handle to the new wallet and is audited", async () => {
          await linkWallet(engine, carol, "@alice", "1001");
          assertEquals(await funds.walletOf("@alice"), carol.address);
          const audit = await engine.db.query<
            {
              audit_id: string;
              outcome: string;
              address: string | null;
              previous_address: string | null;
              reason: string | null;
            }
          >(
            "select id::text as audit_id, outcome, address, previous_address, reason from chain_link_audit where handle = '@alice' order by id",
          );
          assertEquals(audit.map((a) => a.outcome), ["refused", "linked", "refused", "relinked"]);
          // Sealed at rest, each bound to its row and column (pairing.ts).
          const box = engine.secrets.box;
          const last = audit.at(-1)!;
          assertEquals(
            await box.open(
              last.previous_address!,
              `chain_link_audit.previous_address:${last.audit_id}`,
            ),
            alice.address,
          );
          assertEquals(
            await box.open(last.address!, `chain_link_audit.address:${last.audit_id}`),
            carol.address,
          );
          const raw = JSON.stringify(
            await engine.db.query(
              "select * from chain_link_audit, chain_links, chain_wallets, chain_challenges",
            ),
          ).toLowerCase();
          for (const b of [alice, bob, carol]) {
            assert(!raw.includes(b.address.slice(2).toLowerCase()), "no plain address at rest");
          }
          assert(refused.some((r) => r.reason === "wrong-account"));
        });

        await t.step(
          "an X user id that is not one is nobody's: no link, balance or keep",
          async () => {
            const dave = bidders[3];
            const challenge = await postJson(engine, "/link/challenge", {
              address: dave.address,
              handle: "@dave",
            });
            const signature = await dave.signMessage({ message: challenge.message });
            for (const authorId of ["", "@dave", "1001 or 1=1", "1".repeat(21), "١٠٠١", "-1"]) {
              const done = await chain.link({
                tweetId: "t9",
                authorId,
                handle: "@dave",
                proof: `${challenge.nonce}.${signature}`,
              });
              assertEquals(done.ok ? "" : done.reason, "malformed", authorId);
            }
            for (const id of ["1001 or 1=1", "1001x", " 1001", "-1", "x".repeat(10_000)]) {
              assertEquals(await funds.walletOf("@alice", id), null, id.slice(0, 20));
              assertEquals(await funds.balanceOf("@alice", id), 0n, id.slice(0, 20));
            }
            await assertRejects(
              () => chain.keepFunds("@alice", true, "1001; drop table chain_links"),
              Error,
              /no linked wallet/,
            );
            assertEquals(await funds.walletOf("@alice", "1001"), carol.address); // untouched
          },
        );

        await t.step("challenges, used or not, are forgotten once expired", async () => {
          const count = async () =>
            (await engine.db.query<{ n: string }>(
              "select count(*)::text as n from chain_challenges where used_at is not null",
            ))[0].n;
          assert(Number(await count()) > 0, "used challenges are kept until they expire");
          await forgetChallenges(engine.db, clock.instant().subtract({ hours: 1 }));
          assert(Number(await count()) > 0, "not before they expire");
          await forgetChallenges(engine.db, clock.instant().add({ hours: 24 }));
          assertEquals(await engine.db.query("select nonce from chain_challenges"), []);
          // The links stand: a challenge is needed only until it is used or expires.
          assertEquals(await funds.walletOf("@alice", "1001"), carol.address);
        });

        await t.step("the link page and its Preact bundle are served", async () => {
          const page = await engine.http.fetch(new Request("http://local/link?handle=@alice"));
          assertMatch(await page.text(), /<script type="module" src="\/link\/app.js">/);
          const js = await engine.http.fetch(new Request("http://local/link/app.js"));
          assertEquals(js.status, 200);
          const code = await js.text();
          assertMatch(code, /personal_sign/);
          assertMatch(code, /eth_requestAccounts/);
        });
      } finally {
        await engine.stop();
      }
    });
  },
});
