/** @jsxImportSource preact */
/**
 * Assets: upload an image (admins) for the scenes — the server reads its type
 * from the bytes, refuses SVG and oversized files, and re-encodes it — and the
 * uploads with their thumbnails, the path a scene names them by and the
 * scenes that do; delete (admins, with a reason, audited) is refused while a
 * scene uses the asset, and the page says which.
 */
import { useEffect, useState } from "preact/hooks";
import { Card, may, useApp } from "./ui.tsx";

interface Stored {
  path: string;
  bytes: number;
  usedBy: string[];
}

export function AssetsPage() {
  const { me, conn } = useApp();
  const [reason, setReason] = useState("");
  const [assets, setAssets] = useState<Stored[]>([]);
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState("");
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const load = () =>
    fetch("/admin/api/assets").then((r) => r.json()).then((j) => j.ok && setAssets(j.assets));
  useEffect(() => void load(), []);
  const upload = async (e: Event) => {
    e.preventDefault();
    if (!file) return;
    const res = await fetch(`/admin/api/assets?name=${encodeURIComponent(name)}`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream", "x-csrf-token": me.csrf },
      body: file,
    });
    const json = await res.json().catch(() => ({ ok: false, message: `HTTP ${res.status}` }));
    setNotice(
      json.ok
        ? {
          ok: true,
          text: `Stored ${json.asset.path} (${json.asset.width}×${json.asset.height}).`,
        }
        : { ok: false, text: json.message },
    );
    await load();
  };
  const remove = async (path: string) => {
    try {
      await conn.request("DeleteAsset", { path, reason });
      setNotice({ ok: true, text: `Deleted ${path}.` });
      setReason("");
    } catch (e) {
      setNotice({ ok: false, text: (e as Error).message });
    }
    await load();
  };
  return (
    <div class="page assets">
      {may(me, "admin")
        ? (
          <Card title="Upload" id="asset-upload">
            <form class="filters" onSubmit={upload}>
              <input
                id="asset-file"
                type="file"
                accept="image/png,image/jpeg,image/webp"
                onChange={(e) => {
                  const f = (e.target as HTMLInputElement).files?.[0] ?? null;
                  setFile(f);
                  if (f && !name) setName(f.name.replace(/\.[^.]*$/, ""));
                }}
              />
              <input
                id="asset-name"
                placeholder="name"
                value={name}
                onInput={(e) => setName((e.target as HTMLInputElement).value)}
              />
              <button type="submit" id="asset-send" disabled={!file || !name}>Upload</button>
            </form>
            <p class="muted">PNG, JPEG or WebP, up to 8 MB; SVG is refused.</p>
            {notice
              ? <p id="asset-notice" class={notice.ok ? "level-good" : "error"}>{notice.text}</p>
              : null}
          </Card>
        )
        : null}
      <Card title="Uploaded" id="asset-list">
        {may(me, "admin")
          ? (
            <p class="row">
              <input
                id="asset-reason"
                placeholder="why delete (for the audit log)"
                value={reason}
                onInput={(e) => setReason((e.target as HTMLInputElement).value)}
              />
            </p>
          )
          : null}
        {assets.length
          ? (
            <ul class="thumbs">
              {assets.map((a) => (
                <li key={a.path} data-path={a.path}>
                  <img src={`/admin/api/assets/${a.path}`} alt={a.path} />
                  <code>{a.path}</code> <span class="muted">{Math.round(a.bytes / 1024)} KB</span>
                  <div class="used-by">
                    {a.usedBy.length ? `used by ${a.usedBy.join(", ")}` : "not used by a scene"}
                  </div>
                  {may(me, "admin")
                    ? (
                      <button
                        type="button"
                        class="asset-delete"
                        disabled={reason.trim().length < 3}
                        onClick={() => remove(a.path)}
                      >
                        Delete
                      </button>
                    )
                    : null}
                </li>
              ))}
            </ul>
          )
          : <p class="muted">Nothing uploaded yet.</p>}
      </Card>
    </div>
  );
}
