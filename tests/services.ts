/**
 * Service-backed suites: a suite whose service is missing is skipped with a
 * note, unless REQUIRE_SERVICES=1 (CI), where a missing service fails it.
 */

export const requireServices = Deno.env.get("REQUIRE_SERVICES") === "1";

/**
 * Returns whether `name` is reachable. When it is not: throws under
 * REQUIRE_SERVICES=1, else prints why the suite is skipped.
 */
export async function serviceAvailable(
  name: string,
  probe: () => Promise<unknown> | unknown,
): Promise<boolean> {
  let reason: string;
  try {
    if (await probe()) return true;
    reason = "not configured";
  } catch (error) {
    reason = error instanceof Error ? error.message : String(error);
  }
  if (requireServices) throw new Error(`REQUIRE_SERVICES=1 but ${name} is unavailable: ${reason}`);
  console.warn(`skipping ${name} suite: ${reason}`);
  return false;
}

/** True when `cmd` runs (e.g. `ffmpeg -version`). */
export async function commandWorks(cmd: string, args: string[] = ["-version"]): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" })
      .output();
    return success;
  } catch {
    return false;
  }
}

/** A fresh temporary folder, removed by the returned function. */
export function tempDir(prefix = "sothebais-test-"): { path: string; remove(): void } {
  const path = Deno.makeTempDirSync({ prefix });
  return { path, remove: () => Deno.removeSync(path, { recursive: true }) };
}

/** A unique lower-case name, for Postgres schemas and Redis prefixes. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${crypto.randomUUID().slice(0, 8)}`;
}
