/**
 * The engine's key: from SECRETS_KEY (previous keys only open); without it the demo's key in the
 * data folder (mode 0600, made once, the same on every start; the panel's old key file moved
 * there, so what it sealed still opens); a bad key names its variable, never its value.
 */
import { newSecretKey, parseSecretKey, secretBox } from "./secret_box.ts";
import { secretsOf } from "./secret_key.ts";
import { assert, assertEquals, assertRejects } from "./testing.ts";
import { tempDir } from "../tests/services.ts";

Deno.test("secret key: the environment's, else the data folder's, made once and kept", async () => {
  const dir = tempDir();
  try {
    const text = newSecretKey();
    const env = await secretsOf({ SECRETS_KEY: text, DATA_DIR: dir.path });
    assertEquals(env.source, "environment");
    assertEquals(env.box.keyId, (await secretBox(parseSecretKey(text, "K"))).keyId);
    assertEquals([...Deno.readDirSync(dir.path)], [], "no key file when the environment has one");

    const made = await secretsOf({ DATA_DIR: dir.path });
    assertEquals(made.source, "data folder");
    assertEquals(Deno.statSync(`${dir.path}/secrets.key`).mode! & 0o777, 0o600);
    assertEquals((await secretsOf({ DATA_DIR: dir.path })).box.keyId, made.box.keyId, "kept");
    const sealed = await made.box.seal("v", "c");
    const rotated = await secretsOf({
      SECRETS_KEY: newSecretKey(),
      SECRETS_KEY_PREVIOUS: ` ${Deno.readTextFileSync(`${dir.path}/secrets.key`).trim()} ,`,
      DATA_DIR: dir.path,
    });
    assertEquals(await rotated.box.open(sealed, "c"), "v", "a previous key opens");
  } finally {
    dir.remove();
  }
});

Deno.test("secret key: the panel's key file of before is moved to the data folder, still the key", async () => {
  const dir = tempDir();
  try {
    const text = newSecretKey();
    Deno.mkdirSync(`${dir.path}/admin`);
    Deno.writeTextFileSync(`${dir.path}/admin/secrets.key`, text + "\n", { mode: 0o600 });
    const moved = await secretsOf({ DATA_DIR: dir.path });
    assertEquals(moved.box.keyId, (await secretBox(parseSecretKey(text, "K"))).keyId);
    assert(!Deno.statSync(`${dir.path}/secrets.key`).isDirectory);
    await assertRejects(() => Deno.stat(`${dir.path}/admin/secrets.key`), Deno.errors.NotFound);
  } finally {
    dir.remove();
  }
});

Deno.test("secret key: a bad key or previous key is refused, naming the variable, never the value", async () => {
  for (
    const [o, named] of [
      [{ SECRETS_KEY: "c2hvcnQ=" }, "SECRETS_KEY must be 32 bytes"],
      [{ SECRETS_KEY: "not base64!" }, "SECRETS_KEY is not base64"],
      [
        { SECRETS_KEY: newSecretKey(), SECRETS_KEY_PREVIOUS: `${newSecretKey()},c2hvcnQ=` },
        "SECRETS_KEY_PREVIOUS (key 2) must be 32 bytes",
      ],
    ] as const
  ) {
    const error = await assertRejects(() => secretsOf({ ...o, DATA_DIR: "/nonexistent" }));
    assert((error as Error).message.includes(named), (error as Error).message);
    assert(!(error as Error).message.includes("c2hvcnQ"), "the value is never in the message");
  }
});
