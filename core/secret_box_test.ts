/** Secrets at rest: AES-GCM round trips; a wrong key, another row, an altered byte, a bad key are errors. */
import { assert, assertEquals, assertRejects, assertThrows } from "./testing.ts";
import {
  newSecretKey,
  parseSecretKey,
  SEALED_PREFIX,
  secretBox,
  SecretBoxError,
} from "./secret_box.ts";

const key = () => parseSecretKey(newSecretKey(), "SECRETS_KEY");

Deno.test("secret box: seals with a fresh IV each time and opens only in its context", async () => {
  const box = await secretBox(key());
  const a = await box.seal("JBSWY3DPEHPK3PXP", "admin_accounts.totp:1");
  const b = await box.seal("JBSWY3DPEHPK3PXP", "admin_accounts.totp:1");
  assert(a.startsWith(`${SEALED_PREFIX}${box.keyId}:`), a);
  assert(a !== b, "the same secret sealed twice looks different");
  assert(!a.includes("JBSWY3DPEHPK3PXP"));
  assertEquals(await box.open(a, "admin_accounts.totp:1"), "JBSWY3DPEHPK3PXP");
  assertEquals(box.sealedWith(a), box.keyId);
  assertEquals(box.sealedWith("JBSWY3DPEHPK3PXP"), null);
  // Copied to another account's row, it does not open.
  await assertRejects(() => box.open(a, "admin_accounts.totp:2"), SecretBoxError, "does not open");
});

Deno.test("secret box: a wrong key is named, an altered value refused, a previous key opens", async () => {
  const first = key();
  const old = await secretBox(first);
  const sealed = await old.seal("secret", "ctx");
  const other = await secretBox(key());
  const wrong = await assertRejects(() => other.open(sealed, "ctx"), SecretBoxError);
  assert(wrong.message.includes(`sealed with key ${old.keyId}`), wrong.message);
  assert(wrong.message.includes(`the key given is ${other.keyId}`), wrong.message);
  const flipped = sealed.slice(0, -2) + (sealed.at(-2) === "A" ? "B" : "A") + sealed.at(-1);
  await assertRejects(() => old.open(flipped, "ctx"), SecretBoxError, "altered");
  // Rotation: the new box opens the old key's values and seals with its own.
  const rotated = await secretBox(key(), [first]);
  assertEquals(await rotated.open(sealed, "ctx"), "secret");
  assertEquals(rotated.sealedWith(await rotated.seal("secret", "ctx")), rotated.keyId);
});

Deno.test("secret box: a key that is not 32 bytes of base64 is refused, naming the variable", () => {
  for (const bad of ["", "not base64!", btoa("too short"), btoa("x".repeat(48))]) {
    const e = assertThrows(() => parseSecretKey(bad, "SECRETS_KEY"), SecretBoxError);
    assert(e.message.startsWith("SECRETS_KEY "), e.message);
    if (bad) assert(!e.message.includes(bad), "the value is never in the message");
  }
  assertEquals(parseSecretKey(newSecretKey(), "K").length, 32);
});

Deno.test("secret box: a mac is the same for the same text, key and purpose, and nothing else", async () => {
  const first = key();
  const box = await secretBox(first);
  const a = await box.mac("@bob", "x_reminders.handle");
  assertEquals(await box.mac("@bob", "x_reminders.handle"), a, "a lookup finds the row");
  assert(/^[\w-]{43}$/.test(a), a);
  assert(!a.includes("bob"));
  assert(a !== await box.mac("@bob2", "x_reminders.handle"));
  assert(a !== await box.mac("@bob", "another.purpose"), "one key a purpose");
  const other = await secretBox(key());
  assert(a !== await other.mac("@bob", "x_reminders.handle"), "another key, another mac");
  assertEquals(await box.previousMacs("@bob", "x_reminders.handle"), []);
  // After a rotation: the current key's mac, and the previous key's to find rows not re-keyed.
  const rotated = await secretBox(key(), [first]);
  assertEquals(await rotated.previousMacs("@bob", "x_reminders.handle"), [a]);
  assert(await rotated.mac("@bob", "x_reminders.handle") !== a);
  // The current key listed as previous too (a slip in SECRETS_KEY_PREVIOUS) is not a previous key.
  assertEquals(await (await secretBox(first, [first])).previousMacs("@bob", "p"), []);
});
