/** @jsxImportSource preact */
/**
 * Reports (signed-in roles only; the server refuses anyone else): a day's
 * summary of one auction with its price over time and bids per minute, the
 * campaign's performance with unique bidders per day, a bidder's activity, and
 * the ledger of sales with its CSV export. Every figure comes from the auction's
 * reports over the panel's requests; charts are uPlot, tables show wei exactly.
 */
import uPlot from "uplot";
import { useEffect, useRef, useState } from "preact/hooks";
import type {
  BidderReport as BidderHistory,
  CampaignPerformance,
  DailySummary,
} from "../../plugins/auction/mod.ts";
import type { Wire } from "../protocol.ts";
import { Card, formatEth, formatTime, useApp, useLoad } from "./ui.tsx";

// The auction's reports as the socket carries them (one owner: plugins/auction/reports.ts).
type Daily = Wire<DailySummary>;
type Campaign = Wire<CampaignPerformance>;
type Bidder = Wire<BidderHistory>;

/** ETH as a number, for a chart's axis only (tables show wei exactly). */
const ethNumber = (wei: string) => Number(BigInt(wei) / 10n ** 12n) / 1e6;
const seconds = (iso: string) => new Date(iso).getTime() / 1000;

/** Accepted bids as (time, price); bids counted per minute; what the charts draw. */
export function priceSeries(d: Daily): [number[], number[]] {
  const accepted = d.timeline.filter((e) =>
    e.kind === "bid" && e.status === "accepted" && e.amountWei
  );
  return [accepted.map((e) => seconds(e.at)), accepted.map((e) => ethNumber(e.amountWei!))];
}
export function perMinute(d: Daily): [number[], number[]] {
  const counts = new Map<number, number>();
  for (const e of d.timeline) {
    if (e.kind !== "bid") continue;
    const minute = Math.floor(seconds(e.at) / 60) * 60;
    counts.set(minute, (counts.get(minute) ?? 0) + 1);
  }
  const minutes = [...counts.keys()].sort((a, b) => a - b);
  return [minutes, minutes.map((m) => counts.get(m)!)];
}

function Chart(
  props: { id: string; title: string; unit: string; data: [number[], number[]]; bars?: boolean },
) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const width = Math.max(260, Math.min(560, box.current!.clientWidth || 520));
    const p = new uPlot(
      {
        width,
        height: 180,
        legend: { show: false },
        scales: { x: { time: true } },
        axes: [
          { stroke: "#9aa4b2", grid: { stroke: "#2a3140" } },
          { stroke: "#9aa4b2", grid: { stroke: "#2a3140" }, size: 50 },
        ],
        series: [{}, {
          label: props.unit,
          stroke: "#8fb3ff",
          width: 2,
          fill: "rgba(143,179,255,0.15)",
          points: { show: true },
          ...(props.bars ? { paths: uPlot.paths.bars!({ size: [0.6, 40] }) } : {}),
        }],
      },
      props.data,
      box.current!,
    );
    return () => p.destroy();
  }, [props.data]);
  return (
    <div class="report-chart" id={props.id} data-points={props.data[0].length}>
      <div class="muted">{props.title}</div>
      <div ref={box} />
    </div>
  );
}

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? "" : String(v);
  // A cell that a spreadsheet would run as a formula starts with a quote.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};
const toCsv = (rows: unknown[][]) => rows.map((r) => r.map(csvCell).join(",")).join("\n") + "\n";

function DailyCard(props: { d: Daily }) {
  const { d } = props;
  const bidsCsv = () =>
    download(
      `${d.auctionId}-bids.csv`,
      toCsv([
        ["at", "tweet_id", "handle", "amount_wei", "status", "reason"],
        ...d.timeline.filter((e) => e.kind === "bid").map((e) => [
          e.at,
          e.tweetId,
          e.handle,
          e.amountWei,
          e.status,
          e.reason,
        ]),
      ]),
    );
  return (
    <Card title={`Daily summary: ${d.item}`} id="report-daily">
      <table class="kv">
        <tbody>
          <tr>
            <td>auction</td>
            <td id="r-auction">{d.auctionId}</td>
          </tr>
          <tr>
            <td>status</td>
            <td id="r-status">{d.status}</td>
          </tr>
          <tr>
            <td>winner</td>
            <td id="r-winner">{d.winner?.handle ?? "—"}</td>
          </tr>
          <tr>
            <td>price</td>
            <td id="r-price" data-wei={d.priceWei ?? ""}>{formatEth(d.priceWei)}</td>
          </tr>
          <tr>
            <td>runner-up</td>
            <td>{d.runnerUp ? `${d.runnerUp.handle} ${formatEth(d.runnerUp.amountWei)}` : "—"}</td>
          </tr>
          <tr>
            <td>reserve</td>
            <td>{formatEth(d.reserveWei)}</td>
          </tr>
          <tr>
            <td>bids</td>
            <td id="r-bids">{d.bids}</td>
          </tr>
          <tr>
            <td>accepted</td>
            <td id="r-accepted">{d.accepted}</td>
          </tr>
          <tr>
            <td>rejected</td>
            <td id="r-rejected">
              {Object.entries(d.rejected).map(([k, n]) => `${k} ${n}`).join(", ") || "none"}
            </td>
          </tr>
          <tr>
            <td>unique bidders</td>
            <td id="r-unique">{d.uniqueBidders}</td>
          </tr>
          <tr>
            <td>extensions</td>
            <td>{d.extensions}</td>
          </tr>
          <tr>
            <td>window</td>
            <td>{formatTime(d.startsAt)} → {formatTime(d.closedAt ?? d.endsAt)}</td>
          </tr>
        </tbody>
      </table>
      <div class="charts">
        <Chart id="chart-price" title="price over time (ETH)" unit="ETH" data={priceSeries(d)} />
        <Chart id="chart-bpm" title="bids per minute" unit="bids" data={perMinute(d)} bars />
      </div>
      <p>
        <button type="button" id="export-bids" onClick={bidsCsv}>Export the bids (CSV)</button>
      </p>
    </Card>
  );
}

function CampaignCard(props: { id: string }) {
  const { conn } = useApp();
  const [c, setC] = useState<Campaign | null>(null);
  useLoad(() => {
    conn.request<{ report: Campaign }>("GetCampaignReport", { campaignId: props.id }, true)
      .then((r) => setC(r.report), () => setC(null));
  }, [props.id]);
  if (!c) return null;
  const days: [number[], number[]] = [
    c.days.map((d) => seconds(`${d.day}T12:00:00Z`)),
    c.days.map((d) => d.uniqueBidders),
  ];
  return (
    <Card title={`Campaign: ${c.name ?? c.campaignId}`} id="report-campaign">
      <table>
        <thead>
          <tr>
            <th>day</th>
            <th>item</th>
            <th>status</th>
            <th>winner</th>
            <th>price</th>
            <th>bids</th>
            <th>bidders</th>
          </tr>
        </thead>
        <tbody>
          {c.days.map((d) => (
            <tr key={d.auctionId}>
              <td>{d.day}</td>
              <td>{d.item}</td>
              <td>{d.status}</td>
              <td>{d.winner ?? "—"}</td>
              <td>{formatEth(d.priceWei)}</td>
              <td>{d.bids}</td>
              <td>{d.uniqueBidders}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted">
        {Object.entries(c.totals).map(([k, v]) =>
          `${k} ${k.endsWith("Wei") ? formatEth(String(v)) : v}`
        ).join(" · ")}
      </p>
      <Chart id="chart-unique" title="unique bidders per day" unit="bidders" data={days} bars />
    </Card>
  );
}

function BidderCard() {
  const { conn } = useApp();
  const [handle, setHandle] = useState("");
  const [b, setB] = useState<Bidder | null>(null);
  const [error, setError] = useState<string | null>(null);
  const look = (e: Event) => {
    e.preventDefault();
    conn.request<{ report: Bidder }>("GetBidderReport", { handle })
      .then((r) => (setB(r.report), setError(null)), (err) => (setB(null), setError(err.message)));
  };
  return (
    <Card title="Bidder activity" id="report-bidder">
      <form onSubmit={look} class="filters">
        <input
          id="bidder-handle"
          placeholder="@handle"
          value={handle}
          onInput={(e) => setHandle((e.target as HTMLInputElement).value.trim())}
        />
        <button type="submit" id="bidder-look">Show</button>
      </form>
      {error ? <p class="error" id="bidder-error">{error}</p> : null}
      {b
        ? (
          <div id="bidder-result">
            <p>
              {b.bids.length} bids · won {b.won.length}:{" "}
              {b.won.map((w) => `${w.item} (${formatEth(w.amountWei)})`).join(", ") || "none"}
            </p>
            <table>
              <thead>
                <tr>
                  <th>time</th>
                  <th>auction</th>
                  <th>amount</th>
                  <th>decision</th>
                </tr>
              </thead>
              <tbody>
                {b.bids.slice(0, 200).map((x) => (
                  <tr key={x.tweetId}>
                    <td>{formatTime(x.at)}</td>
                    <td>{x.auctionId}</td>
                    <td>{formatEth(x.amountWei)}</td>
                    <td>{x.status}{x.reason ? `: ${x.reason}` : ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
        : null}
    </Card>
  );
}

/** A CSV line to cells (quotes as RFC 4180), for the ledger table. */
function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (cell += '"', i++);
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") (out.push(cell), (cell = ""));
    else cell += ch;
  }
  out.push(cell);
  return out;
}

function LedgerCard() {
  const { conn } = useApp();
  const [csv, setCsv] = useState<string | null>(null);
  useLoad(() => {
    conn.request<{ csv: string }>("GetLedger", {}, true).then((r) => setCsv(r.csv), () => {});
  });
  const lines = (csv ?? "").split("\n").filter(Boolean).map(parseCsvLine);
  const [head, ...rows] = lines;
  const col = (name: string) => head?.indexOf(name) ?? -1;
  return (
    <Card title="Ledger (sales)" id="report-ledger">
      <p>
        <a id="export-ledger" href="/admin/api/reports/ledger.csv" download="ledger.csv">
          Export the ledger (CSV)
        </a>
      </p>
      {rows.length
        ? (
          <table>
            <thead>
              <tr>
                <th>closed</th>
                <th>auction</th>
                <th>item</th>
                <th>winner</th>
                <th>amount</th>
                <th>settled</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r[col("auction_id")]} data-auction={r[col("auction_id")]}>
                  <td>{formatTime(r[col("closed_at")])}</td>
                  <td>{r[col("auction_id")]}</td>
                  <td>{r[col("item")]}</td>
                  <td>@{r[col("winner")]}</td>
                  <td>{formatEth(r[col("amount_wei")])}</td>
                  <td>{r[col("settled")]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
        : <p class="muted">No sale yet.</p>}
    </Card>
  );
}

export function ReportsPage() {
  const { conn } = useApp();
  const [auctions, setAuctions] = useState<
    Array<{ auctionId: string; item: string; status: string }>
  >([]);
  const [picked, setPicked] = useState("");
  const [daily, setDaily] = useState<Daily | null>(null);
  const [error, setError] = useState<string | null>(null);
  useLoad(() => {
    conn.request<{ auctions: typeof auctions }>("GetOverview", {}, true).then((r) => {
      setAuctions(r.auctions);
      setPicked((p) => p || r.auctions.at(-1)?.auctionId || "");
    });
  });
  useLoad(() => {
    if (!picked) return;
    conn.request<{ report: Daily }>("GetDailyReport", { auctionId: picked }, true)
      .then((r) => (setDaily(r.report), setError(null)), (e) => setError(e.message));
  }, [picked]);
  return (
    <div class="page reports">
      <div class="filters">
        <label>
          auction{" "}
          <select
            id="report-auction"
            value={picked}
            onChange={(e) => setPicked((e.target as HTMLSelectElement).value)}
          >
            {auctions.map((a) => (
              <option key={a.auctionId} value={a.auctionId}>
                {a.auctionId} · {a.item} ({a.status})
              </option>
            ))}
          </select>
        </label>
      </div>
      {error ? <p class="error">{error}</p> : null}
      {daily ? <DailyCard d={daily} /> : null}
      {daily?.campaignId ? <CampaignCard id={daily.campaignId} /> : null}
      <div class="grid-2">
        <BidderCard />
        <LedgerCard />
      </div>
    </div>
  );
}
