/**
 * The panel's key for secrets at rest. Production gives it in the environment
 * (`SECRETS_KEY`: base64 of 32 bytes; the production profile requires it, so a
 * missing key is a config error naming the variable). The demo without one keeps
 * a key it makes itself in its data folder (mode 0600): encrypted at rest still,
 * with the key beside the data, which is why production must not. Previous keys
 * (`SECRETS_KEY_PREVIOUS`, comma-separated) only open: rotation re-seals with the
 * current one (`sealTotpSecrets`, at start and with `main.ts admin rekey`).
 */
import { newSecretKey, parseSecretKey, type SecretBox, secretBox } from "../core/secret_box.ts";

export interface PanelKey {
  box: SecretBox;
  /** Where the current key came from. */
  source: "environment" | "data folder";
}

export async function panelKey(
  o: { secretsKey?: string; previousSecretsKeys?: string; dataDir: string },
): Promise<PanelKey> {
  const previous = (o.previousSecretsKeys ?? "").split(",").map((k) => k.trim()).filter(Boolean)
    .map((k, i) => parseSecretKey(k, `SECRETS_KEY_PREVIOUS (key ${i + 1})`));
  if (o.secretsKey) {
    return {
      box: await secretBox(parseSecretKey(o.secretsKey, "SECRETS_KEY"), previous),
      source: "environment",
    };
  }
  const file = `${o.dataDir}/secrets.key`;
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    await Deno.mkdir(o.dataDir, { recursive: true });
    text = newSecretKey();
    await Deno.writeTextFile(file, text + "\n", { mode: 0o600, createNew: true });
  }
  return { box: await secretBox(parseSecretKey(text, file), previous), source: "data folder" };
}
