/** The panel's few plain HTTP calls: sign-in, setup, who am I, sign-out. */

export async function post<T = Record<string, unknown>>(
  path: string,
  body: unknown,
  csrf?: string,
): Promise<T> {
  const res = await fetch(path, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(csrf ? { "x-csrf-token": csrf } : {}),
    },
    body: JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({ message: `HTTP ${res.status}` }));
  if (!res.ok || json.ok === false) throw new Error(json.message ?? `HTTP ${res.status}`);
  return json as T;
}

export async function me() {
  const res = await fetch("/admin/api/me");
  if (res.status === 401) return null;
  if (!res.ok) throw new Error(`the engine answered ${res.status}`);
  return await res.json() as { name: string; role: "viewer" | "operator" | "admin"; csrf: string };
}
