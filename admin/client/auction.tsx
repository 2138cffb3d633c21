/** @jsxImportSource preact */
/**
 * Auction: the live auction at a glance (price, leader, time left,
 * extensions, status, custody), the bids as they are decided (newest first,
 * filtered by handle and reason), every override with a required reason and a
 * confirmation that shows what will change (the auction's own dry run), and
 * the settlement claims with their retry.
 */
import { useState } from "preact/hooks";
import {
  Card,
  ConfirmDialog,
  type ConfirmSpec,
  formatDuration,
  formatEth,
  formatTime,
  may,
  snapshotChanges,
  useApp,
  useEvent,
  useLoad,
  useNow,
  useSubscriptions,
} from "./ui.tsx";

interface Snapshot {
  auctionId: string;
  item: string;
  status: string;
  startsAt: string;
  endsAt: string;
  maxEndsAt: string;
  reserveWei: string;
  priceWei: string | null;
  leader: { handle: string; tweetId: string; amountWei: string } | null;
  bidCount: number;
  minNextWei: string;
  extensions: number;
  blocked?: string | null;
}

interface Bid {
  seq?: string;
  tweetId: string;
  handle: string;
  amountWei: string | null;
  status: string;
  reason: string | null;
  message: string | null;
  tweetAt?: string;
  decidedAt?: string;
  at?: string;
  /** When this page learnt of it (ms), for the latency figure. */
  seenAt?: number;
}

interface Claim {
  id: string;
  auction_id: string;
  kind: string;
  address: string;
  amount_wei: string;
  state: string;
  attempts: number;
  error: string | null;
}

type Custody = { ok: true; owner: string; via: string } | { ok: false; reason: string } | null;

/** The auction on the block: open or paused first, then the next scheduled, else the latest. */
function current(auctions: Snapshot[]): Snapshot | null {
  const rank = (a: Snapshot) =>
    ({ open: 0, paused: 0, scheduled: 1, closed: 2, cancelled: 3 } as Record<string, number>)[
      a.status
    ] ?? 4;
  return [...auctions].sort((a, b) =>
    rank(a) - rank(b) || b.startsAt.localeCompare(a.startsAt)
  )[0] ??
    null;
}

type Override = (title: string, change: Record<string, unknown>) => void;

export function AuctionPage() {
  const { conn, me } = useApp();
  useSubscriptions(["auction"]);
  const [auctions, setAuctions] = useState<Snapshot[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [decisions, setDecisions] = useState<string[]>([]);
  const [confirm, setConfirm] = useState<ConfirmSpec | null>(null);
  const [overrides, setOverrides] = useState(0);
  // Posts X refused for good (`x.post-failed`, as they happen): the operator sees who went untold.
  const [refused, setRefused] = useState<Array<{ key: string; kind: string; reason: string }>>([]);
  const auction = auctions.find((a) => a.auctionId === selected) ?? current(auctions);
  const id = auction?.auctionId;

  useLoad(() => {
    conn.request<{ auctions: Snapshot[]; decisions: string[] }>("GetOverview", {}, true).then(
      (r) => {
        setAuctions(r.auctions);
        setDecisions(r.decisions);
      },
    );
  });
  useEvent("auction.updated", (s: Snapshot) =>
    setAuctions((all) => {
      const i = all.findIndex((a) => a.auctionId === s.auctionId);
      return i < 0 ? [...all, s] : all.map((a, j) => (j === i ? { ...a, ...s } : a));
    }));
  useEvent(
    "x.post-failed",
    (f: { key: string; kind: string; reason: string }) =>
      setRefused((all) => [f, ...all].slice(0, 5)),
  );
  useEvent(
    "auction.blocked",
    (b: { auctionId: string; reason: string }) =>
      setAuctions((all) =>
        all.map((a) => a.auctionId === b.auctionId ? { ...a, blocked: b.reason } : a)
      ),
  );

  /** Asks the auction what the override would change, then confirms it with a reason. */
  const override: Override = async (title, change) => {
    if (!id) return;
    let spec: ConfirmSpec = {
      title,
      reason: "required",
      confirm: title.replace(/\?$/, ""),
      run: async (why) => {
        await conn.request("AuctionOverride", { auctionId: id, change, reason: why });
        setOverrides((n) => n + 1);
      },
    };
    try {
      const dry = await conn.request<{ before: Snapshot; after: Snapshot }>("PreviewOverride", {
        auctionId: id,
        change,
      });
      const changes = snapshotChanges(dry.before as never, dry.after as never);
      spec = {
        ...spec,
        changes,
        note: changes.length ? undefined : "Nothing visible changes in the auction's snapshot.",
      };
    } catch (e) {
      spec = { ...spec, refused: (e as Error).message };
    }
    setConfirm(spec);
  };
  const operator = may(me, "operator");

  return (
    <div class="page auction">
      {auctions.length > 1
        ? (
          <p>
            <select
              id="auction-select"
              value={id}
              onChange={(e) => setSelected((e.target as HTMLSelectElement).value)}
            >
              {auctions.map((a) => (
                <option key={a.auctionId} value={a.auctionId}>
                  {a.auctionId} · {a.item} · {a.status}
                </option>
              ))}
            </select>
          </p>
        )
        : null}
      {auction
        ? <Glance auction={auction} operator={operator} override={override} />
        : (
          <Card title="Auction">
            <p class="muted">No auction yet.</p>
          </Card>
        )}
      {id
        ? (
          <Bids
            auctionId={id}
            decisions={decisions}
            operator={operator}
            override={override}
            overrides={overrides}
          />
        )
        : null}
      {refused.length
        ? (
          <Card title="X refused posts" id="x-post-failed">
            {refused.map((f) => <p key={f.key} class="error">{f.kind} ({f.key}): {f.reason}</p>)}
          </Card>
        )
        : null}
      <Claims operator={operator} confirm={setConfirm} />
      {confirm ? <ConfirmDialog spec={confirm} onClose={() => setConfirm(null)} /> : null}
    </div>
  );
}

function Glance(props: { auction: Snapshot; operator: boolean; override: Override }) {
  const { conn } = useApp();
  const { auction, override } = props;
  const [custody, setCustody] = useState<{ custody: Custody; blocked: string | null } | null>(null);
  const now = useNow(500);
  useLoad(() => {
    conn.request<typeof custody>("GetCustody", { auctionId: auction.auctionId }, true).then(
      setCustody,
    );
  }, [auction.auctionId]);
  const running = auction.status === "open" || auction.status === "paused";
  const fields: Array<[string, string, unknown]> = [
    ["status", "glance-status", auction.status],
    ["price", "glance-price", formatEth(auction.priceWei)],
    ["leader", "glance-leader", auction.leader?.handle ?? "—"],
    ["time left", "glance-left", running ? formatDuration(Date.parse(auction.endsAt) - now) : "—"],
    ["ends", "glance-ends", formatTime(auction.endsAt)],
    ["extensions", "glance-extensions", auction.extensions],
    ["bids", "glance-bids", auction.bidCount],
    ["next bid", "glance-next", formatEth(auction.minNextWei)],
    ["reserve", "glance-reserve", formatEth(auction.reserveWei)],
    [
      "custody",
      "glance-custody",
      !custody
        ? "…"
        : custody.custody === null
        ? "no token known"
        : custody.custody.ok
        ? `held (${custody.custody.via})`
        : <span key="custody" class="error">{custody.custody.reason}</span>,
    ],
  ];
  return (
    <Card title={`${auction.item} (${auction.auctionId})`} id="glance">
      <dl class="glance">
        {fields.map(([label, id, value]) => (
          <div key={id}>
            <dt>{label}</dt>
            <dd id={id} class={id === "glance-status" ? `status-${auction.status}` : ""}>
              {value as string}
            </dd>
          </div>
        ))}
      </dl>
      {auction.blocked ? <p class="error" id="blocked">Held scheduled: {auction.blocked}</p> : null}
      {props.operator
        ? (
          <div class="buttons" id="overrides">
            <button
              type="button"
              id="ov-pause"
              onClick={() => override("Pause the auction?", { action: "pause" })}
            >
              Pause
            </button>
            <button
              type="button"
              id="ov-resume"
              onClick={() => override("Resume the auction?", { action: "resume" })}
            >
              Resume
            </button>
            <ExtendButton
              onGo={(seconds) => override(`Extend by ${seconds} s?`, { action: "extend", seconds })}
            />
            <button
              type="button"
              id="ov-close"
              class="danger"
              onClick={() => override("Close the auction now?", { action: "close" })}
            >
              Close now
            </button>
            <button
              type="button"
              id="ov-cancel"
              class="danger"
              onClick={() => override("Cancel the auction?", { action: "cancel" })}
            >
              Cancel
            </button>
            <RescheduleButton
              auction={auction}
              onGo={(r) => override("Reschedule the auction?", { action: "reschedule", ...r })}
            />
          </div>
        )
        : null}
    </Card>
  );
}

/** Decided bids, newest first, filtered; new decisions are added as they come. */
function Bids(
  props: {
    auctionId: string;
    decisions: string[];
    operator: boolean;
    override: Override;
    /** Overrides made from this page: each reloads the list (a void changes a row). */
    overrides: number;
  },
) {
  const { conn } = useApp();
  const [bids, setBids] = useState<Bid[]>([]);
  const [handle, setHandle] = useState("");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  useLoad(() => {
    conn.request<{ bids: Bid[] }>("ListBids", {
      auctionId: props.auctionId,
      handle: handle || undefined,
      reason: reason || undefined,
      limit: 100,
    }, true).then((r) => {
      setBids(r.bids);
      setError(null);
    }, (e) => setError(e.message));
  }, [props.auctionId, handle, reason, props.overrides]);
  const matches = (b: Bid) =>
    (!handle || b.handle.toLowerCase() === `@${handle.replace(/^@/, "")}`.toLowerCase()) &&
    (!reason || (b.reason ?? b.status) === reason);
  const arrived = (b: Bid & { auctionId: string | null }) => {
    if (b.auctionId !== props.auctionId || !matches(b)) return;
    setBids((all) =>
      [{ ...b, seenAt: Date.now() }, ...all.filter((x) => x.tweetId !== b.tweetId)].slice(0, 200)
    );
  };
  useEvent(
    "bid.accepted",
    (b: Bid & { auctionId: string }) =>
      arrived({ ...b, status: "accepted", reason: null, message: null }),
  );
  useEvent(
    "bid.rejected",
    (b: Bid & { auctionId: string | null }) =>
      arrived({ ...b, status: "rejected", amountWei: null }),
  );
  return (
    <Card title="Bids" id="bids">
      <div class="filters">
        <input
          id="filter-handle"
          placeholder="@handle"
          value={handle}
          onInput={(e) => setHandle((e.target as HTMLInputElement).value.trim())}
        />
        <select
          id="filter-reason"
          value={reason}
          onChange={(e) => setReason((e.target as HTMLSelectElement).value)}
        >
          <option value="">every decision</option>
          {props.decisions.map((r) => <option key={r} value={r}>{r}</option>)}
        </select>
      </div>
      {error ? <p class="error">{error}</p> : null}
      <table class="bids">
        <thead>
          <tr>
            <th>time</th>
            <th>handle</th>
            <th>amount</th>
            <th>decision</th>
            <th>reason</th>
            {props.operator ? <th /> : null}
          </tr>
        </thead>
        <tbody id="bid-rows">
          {bids.map((b) => (
            <tr key={b.tweetId} data-tweet={b.tweetId} data-seen-at={b.seenAt}>
              <td>{formatTime(b.decidedAt ?? b.at ?? b.tweetAt)}</td>
              <td>{b.handle}</td>
              <td>{formatEth(b.amountWei)}</td>
              <td class={`status-${b.status}`}>{b.status}</td>
              <td>{b.reason ? `${b.reason}: ${b.message ?? ""}` : ""}</td>
              {props.operator
                ? (
                  <td>
                    {b.status === "accepted"
                      ? (
                        <button
                          type="button"
                          class="small"
                          onClick={() =>
                            props.override(`Void ${b.handle}'s bid?`, {
                              action: "void",
                              tweetId: b.tweetId,
                            })}
                        >
                          void
                        </button>
                      )
                      : null}
                  </td>
                )
                : null}
            </tr>
          ))}
        </tbody>
      </table>
      {bids.length ? null : <p class="muted">No bids match.</p>}
    </Card>
  );
}

function Claims(props: { operator: boolean; confirm(spec: ConfirmSpec): void }) {
  const { conn } = useApp();
  const [claims, setClaims] = useState<Claim[]>([]);
  const load = () =>
    conn.request<{ claims: Claim[] }>("ListClaims", {}, true).then((r) => setClaims(r.claims));
  useLoad(() => void load());
  useEvent("auction.settled", () => void load());
  const retry = (c: Claim) =>
    props.confirm({
      title: `Retry the ${c.kind} to ${c.address.slice(0, 10)}…?`,
      changes: [["state", c.state, "signed and sent again"]],
      reason: "optional",
      confirm: "Retry",
      run: (why) =>
        conn.request("RetryClaim", { payoutId: c.id, reason: why || undefined }).then(load),
    });
  return (
    <Card title="Settlement claims" id="claims">
      {claims.length
        ? (
          <table>
            <thead>
              <tr>
                <th>auction</th>
                <th>kind</th>
                <th>to</th>
                <th>amount</th>
                <th>state</th>
                <th>attempts</th>
                <th>error</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {claims.map((c) => (
                <tr key={c.id}>
                  <td>{c.auction_id}</td>
                  <td>{c.kind}</td>
                  <td class="mono">{c.address}</td>
                  <td>{formatEth(c.amount_wei)}</td>
                  <td>{c.state}</td>
                  <td>{c.attempts}</td>
                  <td>{c.error}</td>
                  <td>
                    {props.operator
                      ? <button type="button" class="small" onClick={() => retry(c)}>retry</button>
                      : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )
        : <p class="muted">No open claims.</p>}
    </Card>
  );
}

function ExtendButton(props: { onGo(seconds: number): void }) {
  const [seconds, setSeconds] = useState(60);
  return (
    <span class="inline">
      <input
        id="extend-seconds"
        type="number"
        min={1}
        max={86400}
        value={seconds}
        onInput={(e) => setSeconds(Number((e.target as HTMLInputElement).value))}
      />
      <button type="button" id="ov-extend" onClick={() => props.onGo(seconds)}>Extend (s)</button>
    </span>
  );
}

function RescheduleButton(
  props: {
    auction: Snapshot;
    onGo(r: { startsAt: string; endsAt: string; maxEndsAt: string }): void;
  },
) {
  const [open, setOpen] = useState(false);
  const [startsAt, setStartsAt] = useState(props.auction.startsAt);
  const [endsAt, setEndsAt] = useState(props.auction.endsAt);
  const [maxEndsAt, setMaxEndsAt] = useState(props.auction.maxEndsAt);
  if (!open) {
    return (
      <button type="button" id="ov-reschedule" onClick={() => setOpen(true)}>Reschedule…</button>
    );
  }
  const field = (id: string, v: string, set: (s: string) => void) => (
    <input
      id={id}
      class="mono"
      value={v}
      onInput={(e) => set((e.target as HTMLInputElement).value)}
    />
  );
  return (
    <span class="inline reschedule">
      {field("rs-start", startsAt, setStartsAt)}
      {field("rs-end", endsAt, setEndsAt)}
      {field("rs-max", maxEndsAt, setMaxEndsAt)}
      <button
        type="button"
        id="ov-reschedule-go"
        onClick={() => props.onGo({ startsAt, endsAt, maxEndsAt })}
      >
        Reschedule
      </button>
    </span>
  );
}
