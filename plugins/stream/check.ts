/**
 * What `main.ts check` says of the stream: ffmpeg is there, and the RTMP ingest
 * answers — a connection (TLS for rtmps://) and the RTMP handshake (C0+C1 sent,
 * S0 with version 3 and S1 back), which proves an RTMP server listens without
 * publishing anything. The stream key is never printed.
 */
import { connectWithin, shownUrl, within } from "../../core/check.ts";
import type { Finding } from "../../core/plugin.ts";
import { ffmpegInstalled } from "./pick_encoder.ts";

const HANDSHAKE = 1536;

export async function checkStream(
  config: { rtmpUrl?: string; streamKey?: string; ffmpegPath: string },
  timeoutMs: number,
): Promise<Finding[]> {
  const findings: Finding[] = [
    await ffmpegInstalled(config.ffmpegPath)
      ? { status: "ok", text: `${config.ffmpegPath} runs` }
      : { status: "problem", text: `${config.ffmpegPath} not found: nothing can be streamed` },
  ];
  if (!config.rtmpUrl) {
    findings.push({ status: "missing", text: "RTMP_URL not set: preview only" });
    return findings;
  }
  const url = new URL(config.rtmpUrl);
  const tls = url.protocol === "rtmps:";
  const port = Number(url.port || (tls ? 443 : 1935));
  const shown = shownUrl(`${url.protocol}//${url.hostname}:${port}`);
  const t = performance.now();
  let conn: Deno.Conn | undefined;
  try {
    conn = await connectWithin(timeoutMs, "connection", { hostname: url.hostname, port, tls });
    const c0c1 = new Uint8Array(1 + HANDSHAKE);
    c0c1[0] = 3;
    crypto.getRandomValues(c0c1.subarray(9));
    await conn.write(c0c1);
    const reply = new Uint8Array(1 + HANDSHAKE);
    let got = 0;
    while (got < reply.length) {
      const n = await within(timeoutMs, "RTMP handshake", conn.read(reply.subarray(got)));
      if (n === null) throw new Error("closed the connection during the RTMP handshake");
      got += n;
    }
    if (reply[0] !== 3) throw new Error(`answered RTMP version ${reply[0]}, not 3`);
    const ms = Math.round(performance.now() - t);
    findings.push({ status: "ok", text: `${shown} answers the RTMP handshake (${ms} ms)` });
  } catch (error) {
    findings.push({ status: "problem", text: `${shown}: ${(error as Error).message}` });
  } finally {
    conn?.close();
  }
  findings.push(
    config.streamKey || url.pathname.split("/").filter(Boolean).length >= 2
      ? { status: "ok", text: "stream key: set" }
      : { status: "missing", text: "STREAM_KEY not set and the URL names no stream" },
  );
  return findings;
}
