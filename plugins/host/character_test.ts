/**
 * Character files: both shipped characters load and contrast; a bad file is
 * refused with errors naming each field (and the file, read from disk; invalid
 * JSON by its line and column); hostile values (paths out of the assets folder,
 * huge texts, a voice that is a shell word, a file over 1 MiB) are refused.
 */
import { assert, assertEquals, assertRejects } from "../../core/testing.ts";
import { CharacterError, loadCharacter, parseCharacter } from "./character.ts";

Deno.test("character: the two shipped characters load and differ in voice, look and words", async () => {
  const marlowe = await loadCharacter("marlowe");
  const pip = await loadCharacter("pip");
  assertEquals([marlowe.name, pip.name], ["Marlowe", "Pip"]);
  assert(marlowe.voice.name !== pip.voice.name || marlowe.voice.pitch !== pip.voice.pitch);
  assert(marlowe.avatar.idle !== pip.avatar.idle);
  assert(!marlowe.catchphrases.some((c) => pip.catchphrases.includes(c)));
  for (const c of [marlowe, pip]) {
    for (const mood of ["idle", "talking", "excited"] as const) {
      const file = new URL(`../../scenes/assets/${c.avatar[mood]}`, import.meta.url);
      assert((await Deno.stat(file)).isFile, `${c.name} ${mood} avatar`);
    }
  }
});

Deno.test("character: a bad file is refused, each error naming its field", async () => {
  const good = JSON.parse(
    await Deno.readTextFile(new URL("./characters/pip.json", import.meta.url)),
  );
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ ...good, name: "" }, "character.name"],
    [{ ...good, voice: { ...good.voice, speed: 9000 } }, "character.voice.speed"],
    [{ ...good, voice: { ...good.voice, name: "en; rm -rf /" } }, "character.voice.name"],
    [
      { ...good, avatar: { ...good.avatar, idle: "../../etc/passwd.png" } },
      "character.avatar.idle",
    ],
    [{ ...good, avatar: { ...good.avatar, talking: "/abs/x.png" } }, "character.avatar.talking"],
    [{ ...good, catchphrases: ["ok"] }, "character.catchphrases"],
    [{ ...good, bio: "x".repeat(5000) }, "character.bio"],
    [{ ...good, idleTopics: undefined }, "character.idleTopics"],
    [{ ...good, style: { tone: 5 } }, "character.style.tone"],
  ];
  for (const [raw, field] of cases) {
    try {
      parseCharacter(raw);
      throw new Error(`accepted a bad ${field}`);
    } catch (error) {
      assert(error instanceof CharacterError, String(error));
      assert(error.problems.some((p) => p.startsWith(field)), `${field}: ${error.problems}`);
    }
  }
  await assertRejects(() => loadCharacter("./no/such/character.json"), CharacterError);
});

Deno.test("character: a file names itself in each problem; invalid JSON its line; a huge one is not read", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const problemsOf = async (text: string | Uint8Array) => {
      const path = `${dir}/c.json`;
      if (typeof text === "string") await Deno.writeTextFile(path, text);
      else await Deno.writeFile(path, text);
      try {
        await loadCharacter(path);
        return [];
      } catch (error) {
        assert(error instanceof CharacterError, String(error));
        return error.problems;
      }
    };
    const good = await Deno.readTextFile(new URL("./characters/pip.json", import.meta.url));
    assertEquals(await problemsOf(good), []);
    const slow = JSON.parse(good);
    slow.voice.speed = 9000;
    const field = await problemsOf(JSON.stringify(slow));
    assertEquals(field.length, 1);
    assert(field[0].startsWith(`${dir}/c.json: character.voice.speed: `), field[0]);
    const broken = await problemsOf('{\n  "name": "Pip",\n  "bio": ,\n}');
    assertEquals(broken, [`${dir}/c.json: invalid JSON at line 3, column 10: unexpected ','`]);
    const huge = await problemsOf(new Uint8Array(1024 * 1024 + 1).fill(32));
    assertEquals(huge.length, 1);
    assert(/c\.json: cannot read: \d+ bytes, over the \d+/.test(huge[0]), huge[0]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
