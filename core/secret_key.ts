/**
 * The engine's key for personal data and secrets at rest (core/secret_box.ts), one for every
 * plugin (they get the box as `ctx.secrets`). Production gives it in the environment
 * (`SECRETS_KEY`: base64 of 32 bytes; the production profile requires it, `secretsProblems`
 * says so as a config error naming the variable). The demo without one keeps a key it makes
 * itself in its data folder (`secrets.key`, mode 0600; one the panel made before in
 * `admin/secrets.key` is moved there): encrypted at rest still, with the key beside the data,
 * which is why production must not. Previous keys (`SECRETS_KEY_PREVIOUS`, comma-separated)
 * only open: rotation re-seals with the current one (core/sealed_columns.ts).
 * The key's value is never logged nor put in a message; only its id.
 */
import type { Profile, Settings } from "./config.ts";
import { newSecretKey, parseSecretKey, type SecretBox, secretBox } from "./secret_box.ts";

export interface Secrets {
  box: SecretBox;
  /** Where the current key came from. */
  source: "environment" | "data folder";
}

/**
 * What the settings' keys get wrong, one line each naming the variable (never its value):
 * production without SECRETS_KEY, a key or previous key that is not 32 bytes of base64.
 */
export function secretsProblems(
  settings: Pick<Settings, "SECRETS_KEY" | "SECRETS_KEY_PREVIOUS">,
  profile: Profile,
): string[] {
  if (profile === "production" && !settings.SECRETS_KEY) {
    return [
      "env.SECRETS_KEY: the production profile requires it (base64 of 32 bytes: openssl rand -base64 32)",
    ];
  }
  try {
    keysOf(settings);
    return [];
  } catch (error) {
    return [`env.${(error as Error).message}`];
  }
}

/** The current key (if set) and the previous ones, parsed. */
function keysOf(settings: Pick<Settings, "SECRETS_KEY" | "SECRETS_KEY_PREVIOUS">) {
  const previous = (settings.SECRETS_KEY_PREVIOUS ?? "").split(",").map((k) => k.trim())
    .filter(Boolean)
    .map((k, i) => parseSecretKey(k, `SECRETS_KEY_PREVIOUS (key ${i + 1})`));
  const current = settings.SECRETS_KEY
    ? parseSecretKey(settings.SECRETS_KEY, "SECRETS_KEY")
    : undefined;
  return { current, previous };
}

/** The box of the settings' key, or of the data folder's (made on first use). */
export async function secretsOf(
  settings: Pick<Settings, "SECRETS_KEY" | "SECRETS_KEY_PREVIOUS" | "DATA_DIR">,
): Promise<Secrets> {
  const { current, previous } = keysOf(settings);
  if (current) return { box: await secretBox(current, previous), source: "environment" };
  const dir = settings.DATA_DIR;
  const file = `${dir}/secrets.key`;
  const text = await readKeyFile(file) ?? await movedKeyFile(`${dir}/admin/secrets.key`, file) ??
    await newKeyFile(dir, file);
  return { box: await secretBox(parseSecretKey(text, file), previous), source: "data folder" };
}

async function readKeyFile(file: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/** The panel's own key file of before (the key moved to core): the same key, one place. */
async function movedKeyFile(old: string, file: string): Promise<string | null> {
  const text = await readKeyFile(old);
  if (text === null) return null;
  await Deno.rename(old, file);
  return text;
}

async function newKeyFile(dir: string, file: string): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const text = newSecretKey();
  try {
    await Deno.writeTextFile(file, text + "\n", { mode: 0o600, createNew: true });
    return text;
  } catch (error) {
    // Another process of the same folder made it first: that one is the key.
    if (error instanceof Deno.errors.AlreadyExists) return await Deno.readTextFile(file);
    throw error;
  }
}
