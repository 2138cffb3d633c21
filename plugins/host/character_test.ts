/**
 * Character files: both shipped characters load and contrast; a bad file is
 * refused with errors naming each field; hostile values (paths out of the
 * assets folder, huge texts, a voice that is a shell word) are refused.
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
